"""Encrypted backups: a round trip restores rows and files; a wrong passphrase or a damaged file changes nothing."""
import datetime
import io
from pathlib import Path

import pytest

from appliance import backup_crypto
from appliance.errors import NotFound, ValidationError
from appliance.models.users import AuditEntry, User
from appliance.services import Actor, backup_restore, backups, prompts, users

PASSPHRASE = "correct horse battery staple"
ACTOR = Actor.system("test")


@pytest.fixture
def box(database, tmp_path):
    """A box: its database, a recording and a prompt on disk, and the backup key set."""
    conf = {"VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "TIMEZONE": "UTC"}
    prompts.use_directory(tmp_path / "prompts")
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "welcome.wav").write_bytes(b"RIFF-welcome")
    (tmp_path / "recordings" / "2026").mkdir(parents=True)
    (tmp_path / "recordings" / "2026" / "call.opus").write_bytes(b"opus" * 50_000)  # several chunks
    (tmp_path / "site.json").write_text('{"COUNTRY": "PT"}')
    backups.save_settings(backups.BackupSettingsInput(passphrase=PASSPHRASE, confirm_passphrase=PASSPHRASE,
                                                      include_recordings=True), ACTOR)
    users.create(users.UserInput("maria", "Another-Good-Pass-1", "Maria", role="user"), ACTOR)
    yield conf
    prompts.use_directory(None)


def _restore(conf, path, passphrase=PASSPHRASE):
    with open(path, "rb") as upload:
        return backup_restore.restore(conf, upload, passphrase, ACTOR)


def _changes_after_backup(tmp_path):
    User.delete().where(User.username == "maria").execute()
    users.create(users.UserInput("joao", "Another-Good-Pass-2", "João", role="user"), ACTOR)
    (tmp_path / "recordings" / "2026" / "call.opus").unlink()
    (tmp_path / "prompts" / "welcome.wav").write_bytes(b"changed")
    (tmp_path / "site.json").write_text('{"COUNTRY": "BR"}')


def _state(tmp_path):
    return (sorted(u.username for u in User.select()), (tmp_path / "prompts" / "welcome.wav").read_bytes(),
            (tmp_path / "recordings" / "2026" / "call.opus").exists(), (tmp_path / "site.json").read_text())


def test_the_box_keeps_no_passphrase(box, tmp_path):
    row = backups.find_settings()
    assert PASSPHRASE not in row.recipient + row.salt
    assert all(PASSPHRASE not in entry.after for entry in AuditEntry.select())


def test_a_round_trip_restores_rows_and_files(box, tmp_path):
    path = backups.create_backup(box, ACTOR)
    assert path.name.endswith(".cbk") and b"opusopus" not in path.read_bytes() and b"maria" not in path.read_bytes()
    _changes_after_backup(tmp_path)
    restored = _restore(box, path)
    assert {"database", "prompts", "recordings", "site.json"} <= set(restored)
    assert _state(tmp_path) == (["maria"], b"RIFF-welcome", True, '{"COUNTRY": "PT"}')  # joao came after it
    assert AuditEntry.select().where(AuditEntry.action == "backup.restore").exists()
    assert not list(tmp_path.glob("restore-*"))  # the staging folder is gone


def test_a_wrong_passphrase_changes_nothing(box, tmp_path):
    path = backups.create_backup(box, ACTOR)
    _changes_after_backup(tmp_path)
    before = _state(tmp_path)
    with pytest.raises(ValidationError) as error:
        _restore(box, path, "not the passphrase at all")
    assert set(error.value.fields) == {"passphrase"}
    assert _state(tmp_path) == before
    assert not list(tmp_path.glob("restore-*"))


@pytest.mark.parametrize("damage", ["flip", "truncate", "append", "garbage"])
def test_a_damaged_file_is_refused_and_changes_nothing(box, tmp_path, damage):
    path = backups.create_backup(box, ACTOR)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x01
    elif damage == "truncate":
        data = data[:-100]
    elif damage == "append":
        data += b"x"
    else:
        data = bytearray(b"PK\x03\x04 not a backup")
    path.write_bytes(bytes(data))
    _changes_after_backup(tmp_path)
    before = _state(tmp_path)
    with pytest.raises(ValidationError) as error:
        _restore(box, path)
    assert set(error.value.fields) == {"file"}
    assert _state(tmp_path) == before


def test_a_chunk_cut_off_at_a_chunk_boundary_is_noticed():
    recipient, salt = backup_crypto.new_recipient(PASSPHRASE)
    out = io.BytesIO()
    encryptor = backup_crypto.Encryptor(out, recipient, salt)
    encryptor.write(b"a" * (backup_crypto.CHUNK * 2 + 10))
    encryptor.close()
    whole = out.getvalue()
    last = 4 + 10 + 16
    plain = io.BytesIO()
    assert backup_crypto.decrypt(io.BytesIO(whole), plain, PASSPHRASE)["format"] == 1
    assert plain.getvalue() == b"a" * (backup_crypto.CHUNK * 2 + 10)
    with pytest.raises(backup_crypto.BackupFileError):
        backup_crypto.decrypt(io.BytesIO(whole[:-last]), io.BytesIO(), PASSPHRASE)


def test_settings_are_validated(database):
    with pytest.raises(ValidationError) as error:
        backups.save_settings(backups.BackupSettingsInput(passphrase="short", confirm_passphrase="short", hour=25,
                                                          keep_count=0), ACTOR)
    assert set(error.value.fields) == {"passphrase", "hour", "keep_count"}
    with pytest.raises(ValidationError) as error:
        backups.save_settings(backups.BackupSettingsInput(), ACTOR)  # no key yet
    assert set(error.value.fields) == {"passphrase"}
    assert backups.find_settings() is None


def test_the_daemon_makes_one_a_day_at_the_hour_and_keeps_what_retention_says(box, tmp_path):
    morning = datetime.datetime(2026, 12, 7, 2, 0)
    assert backups.run_due(box, morning) is None  # before 03:00
    first = backups.run_due(box, morning.replace(hour=3, minute=5))
    assert first is not None and backups.run_due(box, morning.replace(hour=9)) is None  # once a day
    for day in range(8, 18):
        backups.run_due(box, morning.replace(day=day, hour=4))
    names = [name for name, _size, _when in backups.list_backups(box)]
    assert len(names) == 7  # keep_count
    with pytest.raises(NotFound):
        backups.backup_path(box, "../app.db")
    assert backups.backup_path(box, names[0]) == Path(backups.backup_dir(box)) / names[0]
