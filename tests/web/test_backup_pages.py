"""The backups page: key and schedule, back up now, download, restore from an upload (admins only)."""
import io

from appliance import backup_crypto
from appliance.models.users import User
from appliance.services import Actor, users
from tests.conftest import make_person

PASSPHRASE = "a long passphrase only I know"


def _token(client, auth):
    return auth.token("/admin/backups")


def _set_key(client, auth):
    return client.post("/admin/backups", data={
        "passphrase": PASSPHRASE, "confirm_passphrase": PASSPHRASE, "include_prompts": "y", "enabled": "y",
        "hour": "3", "keep_count": "7", "keep_days": "30", "csrf_token": _token(client, auth)})


def _backup_now(client, auth):
    client.post("/admin/backups/now", data={"csrf_token": _token(client, auth)})
    page = client.get("/admin/backups").get_data(as_text=True)
    return page.split('/admin/backups/files/')[1].split('"')[0]


def _restore(client, auth, data, passphrase):
    return client.post("/admin/backups/restore", content_type="multipart/form-data", data={
        "file": (io.BytesIO(data), "backup.cbk"), "restore_passphrase": passphrase,
        "csrf_token": _token(client, auth)})


def test_settings_are_explained_when_wrong(client, auth):
    auth.login()
    response = client.post("/admin/backups", data={"passphrase": "short", "confirm_passphrase": "short",
                                                   "hour": "30", "keep_count": "7", "keep_days": "30",
                                                   "csrf_token": _token(client, auth)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "at least 12 characters" in page and "between 0 and 23" in page


def test_back_up_download_and_restore_through_the_pages(client, auth, app):
    auth.login()
    assert _set_key(client, auth).status_code == 302
    name = _backup_now(client, auth)
    download = client.get(f"/admin/backups/files/{name}")
    assert download.status_code == 200 and download.data.startswith(backup_crypto.MAGIC)
    assert PASSPHRASE not in client.get("/admin/backups").get_data(as_text=True)
    users.create(users.UserInput("later", "Some-Other-Pass-77", "Later", role="user"), Actor.system("test"))

    wrong = _restore(client, auth, download.data, "not the passphrase, sorry")
    assert wrong.status_code == 422 and "This passphrase does not open this backup." in wrong.get_data(as_text=True)
    damaged = _restore(client, auth, download.data[:-50], PASSPHRASE)
    assert damaged.status_code == 422 and "damaged" in damaged.get_data(as_text=True)
    assert User.select().where(User.username == "later").exists()  # nothing changed

    assert _restore(client, auth, download.data, PASSPHRASE).status_code == 302
    assert not User.select().where(User.username == "later").exists()


def test_only_admins_reach_backups(client, auth):
    make_person("ana", "201")
    auth.login("ana", "Blue-Lantern-Pass-77")
    assert client.get("/admin/backups").status_code in (302, 403)
    assert client.get("/admin/backups/files/centralina-20260101-000000.cbk").status_code in (302, 403)


def test_a_name_that_is_not_a_backup_is_not_found(client, auth):
    auth.login()
    assert client.get("/admin/backups/files/..%2Ftest.db").status_code == 404
    assert client.get("/admin/backups/files/secret_key").status_code == 404


def test_a_restore_upload_may_be_larger_than_other_forms_and_still_needs_the_csrf_token(client, auth):
    auth.login()
    big = _restore(client, auth, b"\0" * (9 * 1024 * 1024), PASSPHRASE)  # past the app's 8 MB limit
    assert big.status_code == 422 and "damaged" in big.get_data(as_text=True)
    forged = client.post("/admin/backups/restore", content_type="multipart/form-data", data={
        "file": (io.BytesIO(b"x"), "b.cbk"), "restore_passphrase": PASSPHRASE})
    assert forged.status_code == 400
