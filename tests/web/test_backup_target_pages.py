"""The backups page's off-box target: errors next to the fields, secrets never shown back, the connection test
trusting the SFTP host key, backing up to the target and restoring from its list (a real SFTP server)."""
from pathlib import Path

import pytest

from appliance.backup_remote import fingerprint
from appliance.models.users import User
from appliance.services import Actor, users
from tests.conftest import make_person
from tests.remote_servers import SftpServer

PASSPHRASE = "a long passphrase only I know"
SFTP_PASSWORD = "page-sftp-Pass-1"


@pytest.fixture(scope="module")
def sftp_server(tmp_path_factory):
    server = SftpServer(tmp_path_factory.mktemp("sftp-pages"), password=SFTP_PASSWORD).start()
    yield server
    server.stop()


def _token(auth):
    return auth.token("/admin/backups")


def _target(client, auth, **fields):
    data = {"kind": "sftp", "sftp_host": "127.0.0.1", "sftp_port": "22", "sftp_username": "backup",
            "sftp_auth": "password", "sftp_password": "", "sftp_folder": "", "s3_endpoint": "", "s3_region": "",
            "s3_bucket": "", "s3_prefix": "", "s3_access_key": "", "s3_secret_key": "", "csrf_token": _token(auth)}
    data.update(fields)
    return client.post("/admin/backups/target", data=data)


def test_target_errors_are_shown_next_to_the_fields_and_change_nothing(client, auth):
    auth.login()
    response = _target(client, auth, sftp_host="bad host;rm -rf", sftp_port="70000", sftp_username="")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="sftp_host-error"' in page and "Enter a server name or IP address." in page
    assert 'id="sftp_port-error"' in page and 'id="sftp_password-error"' in page
    response = _target(client, auth, kind="s3", s3_bucket="No_Such", s3_endpoint="file:///etc")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="s3_bucket-error"' in page and 'id="s3_endpoint-error"' in page
    assert 'id="s3_secret_key-error"' in page
    assert "Test connection" not in client.get("/admin/backups").get_data(as_text=True)  # still local only


def test_secrets_are_never_rendered_back(client, auth):
    auth.login()
    secret = "S3-secret-never-shown-42"
    assert _target(client, auth, kind="s3", s3_bucket="backups", s3_access_key="AKID",
                   s3_secret_key=secret).status_code == 302
    page = client.get("/admin/backups").get_data(as_text=True)
    assert secret not in page and "A secret key is stored; leave empty to keep it." in page and "AKID" in page
    assert _target(client, auth, sftp_password=SFTP_PASSWORD).status_code == 302
    page = client.get("/admin/backups").get_data(as_text=True)
    assert SFTP_PASSWORD not in page and secret not in page and "A password is stored" in page
    failed = _target(client, auth, sftp_password="another-secret-typed", sftp_port="0")
    assert failed.status_code == 422 and "another-secret-typed" not in failed.get_data(as_text=True)


def test_key_login_shows_the_public_key_to_install(client, auth):
    auth.login()
    assert _target(client, auth, sftp_auth="key").status_code == 302
    page = client.get("/admin/backups").get_data(as_text=True)
    assert "ssh-ed25519 " in page and "PRIVATE KEY" not in page and "authorized_keys" in page


def test_test_back_up_and_restore_through_the_target(client, auth, sftp_server):
    auth.login()
    client.post("/admin/backups", data={"passphrase": PASSPHRASE, "confirm_passphrase": PASSPHRASE,
                                        "enabled": "y", "hour": "3", "keep_count": "7", "keep_days": "30",
                                        "csrf_token": _token(auth)})
    assert _target(client, auth, sftp_port=str(sftp_server.port), sftp_password=SFTP_PASSWORD).status_code == 302
    client.post("/admin/backups/target/test", data={"csrf_token": _token(auth)})
    page = client.get("/admin/backups").get_data(as_text=True)
    key = fingerprint(sftp_server.host_key.export_public_key().decode())
    assert f"Trusted host key: <code>{key}</code>" in page

    client.post("/admin/backups/now", data={"csrf_token": _token(auth)})
    listed = client.get("/admin/backups/target/files").get_data(as_text=True)
    name = listed.split('<option value="')[1].split('"')[0]
    assert Path(sftp_server.root, name).is_file()

    users.create(users.UserInput("later", "Some-Other-Pass-77", "Later", role="user"), Actor.system("test"))
    wrong = client.post("/admin/backups/target/restore", data={"name": name, "remote_passphrase": "not it, sorry",
                                                               "csrf_token": _token(auth)})
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "This passphrase does not open this backup." in page
    assert User.select().where(User.username == "later").exists()
    missing = client.post("/admin/backups/target/restore", data={
        "name": "centralina-19990101-000000.cbk", "remote_passphrase": PASSPHRASE, "csrf_token": _token(auth)})
    assert missing.status_code == 422 and "There is no such backup." in missing.get_data(as_text=True)
    done = client.post("/admin/backups/target/restore", data={"name": name, "remote_passphrase": PASSPHRASE,
                                                              "csrf_token": _token(auth)})
    assert done.status_code == 302
    assert not User.select().where(User.username == "later").exists()


def test_a_failing_test_is_explained(client, auth, sftp_server):
    auth.login()
    _target(client, auth, sftp_port=str(sftp_server.port), sftp_password="wrong-password-here")
    client.post("/admin/backups/target/test", data={"csrf_token": _token(auth)})
    page = client.get("/admin/backups").get_data(as_text=True)
    assert "The test failed: The server refused the username, password or key." in page
    assert "No host key trusted yet" in page


def test_only_admins_reach_the_target(client, auth):
    make_person("ana", "201")
    auth.login("ana", "Blue-Lantern-Pass-77")
    assert client.get("/admin/backups/target/files").status_code in (302, 403)
    assert client.post("/admin/backups/target/test").status_code in (302, 400, 403)


def test_back_up_now_says_when_the_upload_failed_and_keeps_the_backup(client, auth, sftp_server):
    auth.login()
    client.post("/admin/backups", data={"passphrase": PASSPHRASE, "confirm_passphrase": PASSPHRASE,
                                        "enabled": "y", "hour": "3", "keep_count": "7", "keep_days": "30",
                                        "csrf_token": _token(auth)})
    _target(client, auth, sftp_port=str(sftp_server.port), sftp_password=SFTP_PASSWORD, sftp_folder="missing")
    client.post("/admin/backups/target/test", data={"csrf_token": _token(auth)})  # fails: the folder is missing
    client.post("/admin/backups/now", data={"csrf_token": _token(auth)})
    page = client.get("/admin/backups").get_data(as_text=True)
    assert "Test the connection first" in page  # nothing goes to an SFTP server whose key is not trusted yet
    assert "/admin/backups/files/centralina-" in page  # the local copy is there
    assert "The last upload failed:" in page
