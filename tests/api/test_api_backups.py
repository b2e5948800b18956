"""Backups through the API: settings (the passphrase write-only), make, list, download, restore; scopes."""
from appliance.models.users import User
from appliance.services import Actor, users
from tests.api.conftest import bearer, service_token

PASSPHRASE = "a long passphrase only I know"


def test_back_up_and_restore_through_the_api(client, app):
    headers = bearer(service_token()[1])
    assert client.get("/api/v1/backups/settings", headers=headers).json["key_set"] is False
    assert client.post("/api/v1/backups", headers=headers).status_code == 400  # no key yet
    short = client.put("/api/v1/backups/settings", json={"passphrase": "short"}, headers=headers)
    assert short.status_code == 422 and "passphrase" in short.json["errors"]
    saved = client.put("/api/v1/backups/settings", json={"passphrase": PASSPHRASE, "keep_count": 3}, headers=headers)
    assert saved.status_code == 200 and saved.json["key_set"] and "passphrase" not in saved.json
    made = client.post("/api/v1/backups", headers=headers)
    assert made.status_code == 201
    name = made.json["name"]
    assert [row["name"] for row in client.get("/api/v1/backups", headers=headers).json["items"]] == [name]
    assert made.headers["Location"] == f"/api/v1/backups/files/{name}" and made.json["made_at"].startswith("20")
    data = client.get(made.headers["Location"], headers=headers).data
    users.create(users.UserInput("later", "Some-Other-Pass-77", "Later", role="user"), Actor.system("test"))

    def restore(body, passphrase):
        import io
        return client.post("/api/v1/backups/restore", data={"file": (io.BytesIO(body), "b.cbk"),
                                                             "passphrase": passphrase},
                           content_type="multipart/form-data", headers=headers)

    wrong = restore(data, "not the passphrase at all")
    assert wrong.status_code == 422 and list(wrong.json["errors"]) == ["passphrase"]
    damaged = restore(data[:100], PASSPHRASE)
    assert damaged.status_code == 422 and list(damaged.json["errors"]) == ["file"]
    assert User.select().where(User.username == "later").exists()
    done = restore(data, PASSPHRASE)
    assert done.status_code == 200 and "database" in done.json["restored"]
    assert not User.select().where(User.username == "later").exists()


def test_scopes_and_names(client, app):
    reader = bearer(service_token(("backups:read",), name="reader")[1])
    assert client.get("/api/v1/backups", headers=reader).status_code == 200
    assert client.post("/api/v1/backups", headers=reader).status_code == 403
    assert client.get("/api/v1/backups/files/secret_key", headers=reader).status_code == 404
    other = bearer(service_token(("users:read",), name="other")[1])
    assert client.get("/api/v1/backups", headers=other).status_code == 403
