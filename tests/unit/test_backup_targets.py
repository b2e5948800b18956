"""Off-box backup targets against real servers on 127.0.0.1: SFTP (asyncssh) and S3 (moto's server).

Uploads land with the same bytes, retention removes only our old files, a changed host key or a wrong
password stops everything, a failed upload is recorded and retried by the daemon's job, and a backup
listed on the target restores.
"""
import datetime
import logging
import secrets

import pytest

from appliance.backup_remote import HostKeyChanged, StoreError, fingerprint
from appliance.errors import NotFound, ValidationError
from appliance.models.backups import BackupTarget
from appliance.models.users import AuditEntry, User
from appliance.services import Actor, backup_targets, backups, mail, users
from tests.remote_servers import S3Server, SftpServer
from tests.smtp import SmtpServer

PASSPHRASE = "correct horse battery staple"
ACTOR = Actor.system("test")
SFTP_PASSWORD = "s3cret-sftp-Pass"
T0 = datetime.datetime(2026, 12, 7, 4, 0)


@pytest.fixture(scope="module")
def sftp_server(tmp_path_factory):
    server = SftpServer(tmp_path_factory.mktemp("sftp-root"), password=SFTP_PASSWORD).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def s3_server():
    server = S3Server().start()
    yield server
    server.stop()


@pytest.fixture
def box(database, tmp_path):
    conf = {"VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "TIMEZONE": "UTC"}
    backups.save_settings(backups.BackupSettingsInput(passphrase=PASSPHRASE, confirm_passphrase=PASSPHRASE,
                                                      include_prompts=False, include_voicemail=False), ACTOR)
    users.create(users.UserInput("maria", "Another-Good-Pass-1", "Maria", role="user"), ACTOR)
    return conf


@pytest.fixture
def sftp_folder(sftp_server):
    from pathlib import Path

    name = f"t-{secrets.token_hex(4)}"
    path = Path(sftp_server.root) / name
    path.mkdir()
    return name, path


def _sftp(server, folder, **changes):
    data = backup_targets.TargetInput(kind="sftp", sftp_host="127.0.0.1", sftp_port=server.port,
                                      sftp_username="backup", sftp_password=SFTP_PASSWORD, sftp_folder=folder)
    for name, value in changes.items():
        setattr(data, name, value)
    return backup_targets.save_target(data, ACTOR)


def _ours(path):
    return sorted(p.name for p in path.iterdir() if backups.NAME_RE.fullmatch(p.name))


# --- SFTP ---------------------------------------------------------------------------------------------------


def test_sftp_password_upload_lands_with_the_same_bytes(box, sftp_server, sftp_folder):
    folder, path = sftp_folder
    _sftp(sftp_server, folder)
    result = backup_targets.test_target(ACTOR)
    server_key = sftp_server.host_key.export_public_key().decode()
    assert result == {"host_key_fingerprint": fingerprint(server_key), "pinned_now": True}
    assert backup_targets.host_key_fingerprint(backup_targets.find_target()) == fingerprint(server_key)
    assert list(path.iterdir()) == []  # the probe file is gone
    made, error = backup_targets.back_up_now(box, ACTOR)
    assert error is None
    assert (path / made.name).read_bytes() == made.read_bytes()
    assert [p.name for p in path.iterdir()] == [made.name]  # no .partial left behind
    row = backup_targets.find_target()
    assert not row.upload_pending and row.last_upload_error == "" and row.last_upload_at is not None
    assert [name for name, _s, _m in backup_targets.list_remote()] == [made.name]


def test_sftp_key_login_uses_the_box_key(box, sftp_server, sftp_folder):
    folder, path = sftp_folder
    row = _sftp(sftp_server, folder, sftp_auth="key", sftp_password="")
    assert row.sftp_public_key.startswith("ssh-ed25519 ") and "PRIVATE KEY" in row.sftp_private_key
    with pytest.raises(StoreError):  # not installed on the server yet
        backup_targets.test_target(ACTOR)
    sftp_server.authorized_key = row.sftp_public_key
    saved_password, sftp_server.password = sftp_server.password, None  # the server offers key login only
    try:
        assert backup_targets.test_target(ACTOR)["pinned_now"]
        made, error = backup_targets.back_up_now(box, ACTOR)
    finally:
        sftp_server.password, sftp_server.authorized_key = saved_password, None
    assert error is None and (path / made.name).read_bytes() == made.read_bytes()
    again = _sftp(sftp_server, folder, sftp_auth="key", sftp_password="")
    assert again.sftp_public_key == row.sftp_public_key  # generated once


def test_sftp_retention_removes_only_our_old_files(box, sftp_server, sftp_folder):
    folder, path = sftp_folder
    (path / "notes.txt").write_text("not ours")
    (path / "centralina-backup-old.cbk").write_text("not ours either: another name")
    (path / "centralina-20200101-000000.cbk.partial").write_text("a partial is not a backup")
    backups.save_settings(backups.BackupSettingsInput(keep_count=2, keep_days=0, include_prompts=False,
                                                      include_voicemail=False), ACTOR)
    _sftp(sftp_server, folder)
    backup_targets.test_target(ACTOR)
    made = [backup_targets.back_up_now(box, ACTOR, T0 + datetime.timedelta(days=day))[0].name for day in range(4)]
    assert _ours(path) == sorted(made[-2:])
    assert {"notes.txt", "centralina-backup-old.cbk", "centralina-20200101-000000.cbk.partial"} <= {
        p.name for p in path.iterdir()}


def test_a_changed_host_key_refuses_to_upload(box, tmp_path_factory):
    root = tmp_path_factory.mktemp("sftp-moved")
    server = SftpServer(root, password=SFTP_PASSWORD).start()
    try:
        _sftp(server, "")
        pinned = backup_targets.test_target(ACTOR)["host_key_fingerprint"]
        server.new_host_key()
        made, error = backup_targets.back_up_now(box, ACTOR)
        assert isinstance(error, HostKeyChanged) and pinned in str(error)
        assert _ours(root) == []  # nothing sent
        assert made.is_file()  # the local copy stays
        row = backup_targets.find_target()
        assert row.upload_pending and backup_targets.upload_error(row)[0] == error.message
        assert AuditEntry.select().where(AuditEntry.action == "backup.upload_failed").count() == 1
        with pytest.raises(HostKeyChanged):
            backup_targets.test_target(ACTOR)
        assert backup_targets.host_key_fingerprint(backup_targets.find_target()) == pinned  # still the old one
        # The admin checked the server: forgetting the key lets the next test trust the new one.
        _sftp(server, "", forget_host_key=True, sftp_password="")
        assert backup_targets.test_target(ACTOR)["pinned_now"]
        backup_targets.run_due(box, T0.replace(hour=1))  # not the hour of a backup: only the pending upload
        assert _ours(root) == [made.name]
        assert not backup_targets.find_target().upload_pending
    finally:
        server.stop()


def test_a_wrong_password_is_said_and_changes_nothing(box, sftp_server, sftp_folder, caplog):
    folder, path = sftp_folder
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="peewee")  # its DEBUG lines echo every SQL parameter (any secret column)
    _sftp(sftp_server, folder, sftp_password="not-the-password")
    with pytest.raises(StoreError) as error:
        backup_targets.test_target(ACTOR)
    assert "refused the username, password or key" in str(error.value)
    row = backup_targets.find_target()
    assert row.sftp_host_key == "" and list(path.iterdir()) == []
    BackupTarget.update(sftp_host_key=f"ssh-ed25519 {sftp_server.host_key.export_public_key().split()[1].decode()}"
                        ).execute()  # trusted: the upload itself meets the wrong password
    made, upload_error = backup_targets.back_up_now(box, ACTOR)
    assert "refused the username" in str(upload_error) and list(path.iterdir()) == [] and made.is_file()
    assert "not-the-password" not in caplog.text and "backup upload to the sftp target failed" in caplog.text


def test_connection_errors_are_told_apart(box, sftp_server):
    _sftp(sftp_server, "", sftp_host="no-such-host.invalid")
    with pytest.raises(StoreError, match="could not be found"):
        backup_targets.test_target(ACTOR)
    from tests.engine.sipp import free_port

    _sftp(sftp_server, "", sftp_port=free_port())
    with pytest.raises(StoreError, match="refused the connection"):
        backup_targets.test_target(ACTOR)
    _sftp(sftp_server, "no-such-folder")
    with pytest.raises(StoreError, match="does not exist"):
        backup_targets.test_target(ACTOR)


def test_a_failed_upload_is_recorded_mailed_once_and_retried_by_the_daemon(box, sftp_server, sftp_folder):
    folder, path = sftp_folder
    smtp = SmtpServer().start()
    try:
        mail.save_settings(mail.MailSettingsInput("127.0.0.1", smtp.port, "none", "", "", "pbx@example.com"), ACTOR)
        User.update(email="admin@example.com", role="admin", language="en").where(User.username == "maria").execute()
        _sftp(sftp_server, folder)
        backup_targets.test_target(ACTOR)
        sftp_server.read_only = True
        with pytest.raises(StoreError, match="Permission denied"):
            backup_targets.test_target(ACTOR)
        first = backup_targets.run_due(box, T0)  # the daemon's daily backup at 04:00 (hour 3 chosen)
        assert first is not None and _ours(path) == []
        backup_targets.run_due(box, T0 + datetime.timedelta(minutes=10))  # still failing: no second mail
        row = backup_targets.find_target()
        assert row.upload_pending and "Permission denied" in backup_targets.upload_error(row)[0]
        assert len(smtp.messages) == 1 and smtp.messages[0][1] == ["admin@example.com"]
        message = smtp.messages[0][2]
        assert message["Subject"] == "A backup could not be sent to its target"
        assert f"Permission denied in the folder {folder} on the server." in message.get_content()
        sftp_server.read_only = False
        backup_targets.run_due(box, T0 + datetime.timedelta(minutes=20))
        assert _ours(path) == [first.name]
        row = backup_targets.find_target()
        assert not row.upload_pending and row.last_upload_error == ""
    finally:
        sftp_server.read_only = False
        smtp.stop()


def test_restore_from_the_sftp_list(box, sftp_server, sftp_folder):
    folder, _path = sftp_folder
    _sftp(sftp_server, folder)
    backup_targets.test_target(ACTOR)
    made, error = backup_targets.back_up_now(box, ACTOR)
    assert error is None
    made.unlink()  # the box lost its own copy
    User.delete().where(User.username == "maria").execute()
    with pytest.raises(ValidationError) as wrong:
        backup_targets.restore_remote(box, made.name, "not the passphrase at all", ACTOR)
    assert set(wrong.value.fields) == {"passphrase"}
    with pytest.raises(NotFound):
        backup_targets.restore_remote(box, "centralina-19990101-000000.cbk", PASSPHRASE, ACTOR)
    with pytest.raises(NotFound):
        backup_targets.restore_remote(box, "../app.db", PASSPHRASE, ACTOR)
    restored = backup_targets.restore_remote(box, made.name, PASSPHRASE, ACTOR)
    assert "database" in restored
    assert User.select().where(User.username == "maria").exists()
    assert not list(box_dir(box).glob("restore-*"))


def box_dir(conf):
    from pathlib import Path

    return Path(conf["VAR_DIR"])


def test_the_target_settings_are_validated_and_secrets_kept(database):
    with pytest.raises(ValidationError) as error:
        backup_targets.save_target(backup_targets.TargetInput(kind="sftp", sftp_host="bad host;rm", sftp_port=0,
                                                              sftp_username="a b", sftp_folder="x\ny"), ACTOR)
    assert set(error.value.fields) == {"sftp_host", "sftp_port", "sftp_username", "sftp_password", "sftp_folder"}
    with pytest.raises(ValidationError) as error:
        backup_targets.save_target(backup_targets.TargetInput(kind="s3", s3_endpoint="ftp://x", s3_bucket="A",
                                                              s3_region="US East"), ACTOR)
    assert set(error.value.fields) == {"s3_endpoint", "s3_bucket", "s3_region", "s3_access_key", "s3_secret_key"}
    assert not BackupTarget.select().exists()
    data = backup_targets.TargetInput(kind="s3", s3_bucket="bucket", s3_access_key="AKID", s3_secret_key="top-secret")
    backup_targets.save_target(data, ACTOR)
    data.s3_secret_key = ""
    row = backup_targets.save_target(data, ACTOR)  # empty keeps it
    assert row.s3_secret_key == "top-secret"
    assert all("top-secret" not in entry.after + entry.before for entry in AuditEntry.select())


# --- S3 -----------------------------------------------------------------------------------------------------


@pytest.fixture
def bucket(s3_server):
    name = f"b-{secrets.token_hex(4)}"
    s3_server.client().create_bucket(Bucket=name)
    return name


def _s3(server, bucket, prefix="box1/", **changes):
    data = backup_targets.TargetInput(kind="s3", s3_endpoint=server.endpoint, s3_region="us-east-1",
                                      s3_bucket=bucket, s3_prefix=prefix, s3_access_key="testing",
                                      s3_secret_key="testing", s3_path_style=True)
    for name, value in changes.items():
        setattr(data, name, value)
    return backup_targets.save_target(data, ACTOR)


def _objects(server, bucket):
    answer = server.client().list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in answer.get("Contents", []))


def test_s3_upload_lands_with_the_same_bytes(box, s3_server, bucket):
    _s3(s3_server, bucket)
    assert backup_targets.test_target(ACTOR) == {"host_key_fingerprint": "", "pinned_now": False}
    assert _objects(s3_server, bucket) == []  # the probe is gone
    made, error = backup_targets.back_up_now(box, ACTOR)
    assert error is None
    body = s3_server.client().get_object(Bucket=bucket, Key=f"box1/{made.name}")["Body"].read()
    assert body == made.read_bytes()
    assert [name for name, _s, _m in backup_targets.list_remote()] == [made.name]


def test_s3_retention_removes_only_our_old_objects(box, s3_server, bucket):
    client = s3_server.client()
    foreign = ["box1/notes.txt", "box1/sub/centralina-20200101-000000.cbk", "centralina-20200101-000000.cbk",
               "other/centralina-20200102-000000.cbk"]
    for key in foreign:
        client.put_object(Bucket=bucket, Key=key, Body=b"not ours")
    backups.save_settings(backups.BackupSettingsInput(keep_count=2, keep_days=0, include_prompts=False,
                                                      include_voicemail=False), ACTOR)
    _s3(s3_server, bucket, prefix="/box1")  # slashes around the prefix do not matter
    made = [backup_targets.back_up_now(box, ACTOR, T0 + datetime.timedelta(days=day))[0].name for day in range(4)]
    assert _objects(s3_server, bucket) == sorted(foreign + [f"box1/{name}" for name in made[-2:]])


def test_a_missing_bucket_is_said(box, s3_server):
    _s3(s3_server, "no-such-bucket-here")
    with pytest.raises(StoreError, match="bucket no-such-bucket-here does not exist"):
        backup_targets.test_target(ACTOR)
    made, error = backup_targets.back_up_now(box, ACTOR)
    assert made.is_file() and "does not exist" in str(error)
    assert backup_targets.find_target().upload_pending


def test_restore_from_the_s3_list(box, s3_server, bucket):
    _s3(s3_server, bucket, prefix="")
    made, error = backup_targets.back_up_now(box, ACTOR)
    assert error is None
    made.unlink()
    User.delete().where(User.username == "maria").execute()
    listed = backup_targets.list_remote()
    assert [name for name, _s, _m in listed] == [made.name]
    backup_targets.restore_remote(box, listed[0][0], PASSPHRASE, ACTOR)
    assert User.select().where(User.username == "maria").exists()


def test_an_unreachable_endpoint_is_said(box, s3_server):
    from tests.engine.sipp import free_port

    _s3(s3_server, "bucket", s3_endpoint=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreError, match="Could not connect"):
        backup_targets.test_target(ACTOR)


def test_the_daemons_daily_backup_is_uploaded(box, s3_server, bucket):
    _s3(s3_server, bucket)
    assert backup_targets.run_due(box, T0.replace(hour=2)) is None  # before the hour: nothing made or sent
    assert _objects(s3_server, bucket) == []
    made = backup_targets.run_due(box, T0)  # the job the daemon runs every 10 minutes
    assert made is not None and _objects(s3_server, bucket) == [f"box1/{made.name}"]
    assert backup_targets.run_due(box, T0.replace(hour=9)) is None  # once a day
    assert AuditEntry.select().where(AuditEntry.action == "backup.upload").count() == 1
