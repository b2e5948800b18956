"""The backups' off-box target through the API: secrets write-only, the connection test, backing up to an S3
server (moto on 127.0.0.1) and restoring from its list; scopes."""
import secrets

import pytest

from appliance.models.users import User
from appliance.services import Actor, users
from tests.api.conftest import bearer, service_token
from tests.remote_servers import S3Server, SftpServer

PASSPHRASE = "a long passphrase only I know"
SECRET = "S3-secret-write-only-99"


@pytest.fixture(scope="module")
def s3_server():
    server = S3Server().start()
    yield server
    server.stop()


def _s3_target(server, bucket, **changes):
    return {"kind": "s3", "s3_endpoint": server.endpoint, "s3_region": "us-east-1", "s3_bucket": bucket,
            "s3_prefix": "api/", "s3_access_key": "testing", "s3_secret_key": SECRET, "s3_path_style": True,
            **changes}


def test_the_secret_is_write_only(client, app):
    headers = bearer(service_token()[1])
    empty = client.get("/api/v1/backups/target", headers=headers).json
    assert empty["kind"] == "local" and empty["s3_secret_key_set"] is False and "s3_secret_key" not in empty
    saved = client.put("/api/v1/backups/target", json={"kind": "s3", "s3_bucket": "bucket", "s3_access_key": "AK",
                                                       "s3_secret_key": SECRET}, headers=headers)
    assert saved.status_code == 200 and saved.json["s3_secret_key_set"] is True
    assert SECRET not in saved.get_data(as_text=True)
    kept = client.put("/api/v1/backups/target", json={"kind": "s3", "s3_bucket": "bucket", "s3_access_key": "AK"},
                      headers=headers)
    assert kept.status_code == 200 and kept.json["s3_secret_key_set"] is True
    assert SECRET not in client.get("/api/v1/backups/target", headers=headers).get_data(as_text=True)
    audit = client.get("/api/v1/audit-entries", headers=headers)
    assert audit.status_code == 200 and "backup.target" in audit.get_data(as_text=True)
    assert SECRET not in audit.get_data(as_text=True)


def test_bad_targets_are_422_with_the_fields(client, app):
    headers = bearer(service_token()[1])
    bad = client.put("/api/v1/backups/target", json={"kind": "sftp", "sftp_host": "bad host", "sftp_username": ""},
                     headers=headers)
    assert bad.status_code == 422 and {"sftp_host", "sftp_username", "sftp_password"} <= set(bad.json["errors"])
    assert client.get("/api/v1/backups/target", headers=headers).json["kind"] == "local"
    assert client.post("/api/v1/backups/target/test", headers=headers).status_code == 404  # nothing to test


def test_key_login_answers_the_public_key_and_the_test_trusts_the_host_key(client, app, tmp_path):
    headers = bearer(service_token()[1])
    server = SftpServer(tmp_path / "sftp", password=None)
    (tmp_path / "sftp").mkdir()
    server.start()
    try:
        saved = client.put("/api/v1/backups/target", json={
            "kind": "sftp", "sftp_host": "127.0.0.1", "sftp_port": server.port, "sftp_username": "backup",
            "sftp_auth": "key"}, headers=headers).json
        assert saved["sftp_public_key"].startswith("ssh-ed25519 ") and saved["sftp_host_key_fingerprint"] == ""
        refused = client.post("/api/v1/backups/target/test", headers={**headers, "Accept-Language": "en"}).json
        assert refused["ok"] is False and refused["error"] == "The server refused the username, password or key."
        recusado = client.post("/api/v1/backups/target/test", headers={**headers, "Accept-Language": "pt-BR"}).json
        assert recusado["error"] == "O servidor recusou o usuário, a senha ou a chave."
        server.authorized_key = saved["sftp_public_key"]
        worked = client.post("/api/v1/backups/target/test", headers=headers).json
        assert worked["ok"] is True and worked["pinned_now"] is True and worked["host_key_fingerprint"]
        read = client.get("/api/v1/backups/target", headers=headers).json
        assert read["sftp_host_key_fingerprint"] == worked["host_key_fingerprint"]
        pt = client.post("/api/v1/backups/target/test", headers={**headers, "Accept-Language": "pt-BR"}).json
        assert pt == {**worked, "pinned_now": False}
    finally:
        server.stop()


def test_back_up_to_s3_and_restore_from_its_list(client, app, s3_server):
    headers = bearer(service_token()[1])
    bucket = f"api-{secrets.token_hex(4)}"
    s3_server.client().create_bucket(Bucket=bucket)
    assert client.put("/api/v1/backups/settings", json={"passphrase": PASSPHRASE}, headers=headers).status_code == 200
    assert client.put("/api/v1/backups/target", json=_s3_target(s3_server, bucket), headers=headers).status_code == 200
    assert client.post("/api/v1/backups/target/test", headers=headers).json["ok"] is True
    made = client.post("/api/v1/backups", headers=headers)
    assert made.status_code == 201 and made.json["upload_error"] is None
    name = made.json["name"]
    listed = client.get("/api/v1/backups/target/files", headers=headers).json["items"]
    assert [row["name"] for row in listed] == [name]
    users.create(users.UserInput("later", "Some-Other-Pass-77", "Later", role="user"), Actor.system("test"))
    wrong = client.post("/api/v1/backups/target/restore", json={"name": name, "passphrase": "not it at all"},
                        headers=headers)
    assert wrong.status_code == 422 and list(wrong.json["errors"]) == ["passphrase"]
    missing = client.post("/api/v1/backups/target/restore",
                          json={"name": "centralina-19990101-000000.cbk", "passphrase": PASSPHRASE}, headers=headers)
    assert missing.status_code == 404
    done = client.post("/api/v1/backups/target/restore", json={"name": name, "passphrase": PASSPHRASE},
                       headers=headers)
    assert done.status_code == 200 and "database" in done.json["restored"]
    assert not User.select().where(User.username == "later").exists()


def test_a_missing_bucket_is_said_and_the_backup_kept(client, app, s3_server):
    headers = {**bearer(service_token()[1]), "Accept-Language": "en"}
    client.put("/api/v1/backups/settings", json={"passphrase": PASSPHRASE}, headers=headers)
    client.put("/api/v1/backups/target", json=_s3_target(s3_server, "no-such-bucket-api"), headers=headers)
    test = client.post("/api/v1/backups/target/test", headers={**headers, "Accept-Language": "en"}).json
    assert test["ok"] is False and test["error"] == "The bucket no-such-bucket-api does not exist."
    made = client.post("/api/v1/backups", headers=headers)
    assert made.status_code == 201 and "does not exist" in made.json["upload_error"]
    assert [row["name"] for row in client.get("/api/v1/backups", headers=headers).json["items"]] == [made.json["name"]]
    state = client.get("/api/v1/backups/target", headers=headers).json
    assert state["upload_pending"] is True and "does not exist" in state["last_upload_error"]
    unreachable = client.get("/api/v1/backups/target/files", headers=headers)
    assert unreachable.status_code == 503 and "does not exist" in unreachable.json["detail"]


def test_scopes(client, app):
    reader = bearer(service_token(("backups:read",), name="reader")[1])
    assert client.get("/api/v1/backups/target", headers=reader).status_code == 200
    assert client.put("/api/v1/backups/target", json={"kind": "local"}, headers=reader).status_code == 403
    assert client.post("/api/v1/backups/target/test", headers=reader).status_code == 403
    assert client.post("/api/v1/backups/target/restore", json={}, headers=reader).status_code == 403
    other = bearer(service_token(("users:read",), name="other")[1])
    assert client.get("/api/v1/backups/target", headers=other).status_code == 403
