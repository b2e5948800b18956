"""Admin pages for accounts, and the audit trail they leave."""
import pytest

from appliance.models.users import AuditEntry, User
from appliance.services import Actor, users
from tests.conftest import csrf_token


def _create(client, auth, **fields):
    data = {"username": "carla", "password": "Long-Enough-99", "display_name": "Carla Dias", "email": "",
            "role": "user", "language": "pt_BR", "csrf_token": auth.token("/admin/users/new")}
    data.update(fields)
    return client.post("/admin/users/new", data=data)


def test_admin_creates_a_user_and_the_audit_log_shows_it(auth, client):
    auth.login()
    response = _create(client, auth)
    assert response.status_code == 302
    assert User.get(User.username == "carla").display_name == "Carla Dias"
    page = client.get("/admin/audit?action=user.create").get_data(as_text=True)
    assert "carla" in page and "user.create" in page and "admin" in page


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"username": "<script>alert(1)</script>"}, "Use 2 to 64 characters"),
        ({"username": "x'; DROP TABLE users; --"}, "Use 2 to 64 characters"),
        ({"username": "a" * 65}, "Field cannot be longer than 64 characters."),
        ({"display_name": "n" * 121}, "Field cannot be longer than 120 characters."),
        ({"password": "short"}, "The password must have at least 10 characters."),
        ({"password": "carla-is-great"}, "The password must not contain the user name."),
        ({"email": "not-an-email"}, "Enter a valid e-mail address."),
        ({"role": "root"}, "Not a valid choice."),
        ({"username": "admin"}, "The user name admin is already taken."),
    ],
)
def test_bad_input_is_explained_in_english_and_changes_nothing(auth, client, fields, message):
    auth.login()  # the admin fixture speaks English
    before = (User.select().count(), AuditEntry.select().count())
    response = _create(client, auth, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (User.select().count(), AuditEntry.select().count()) == before


def test_bad_input_is_explained_in_portuguese_to_a_portuguese_admin(auth, client):
    users.create(users.UserInput("gerente", "Portuguese-Admin-1", role="admin", language="pt_BR"), Actor.system())
    auth.login("gerente", "Portuguese-Admin-1")
    response = _create(client, auth, username="<b>x</b>")
    assert response.status_code == 422
    assert "Use de 2 a 64 caracteres" in response.get_data(as_text=True)


def test_html_in_a_display_name_is_shown_escaped(auth, client):
    auth.login()
    _create(client, auth, display_name="<img src=x onerror=alert(1)>")
    page = client.get("/admin/users").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_editing_a_user_records_before_and_after(auth, client):
    auth.login()
    _create(client, auth)
    carla = User.get(User.username == "carla")
    response = client.post(
        f"/admin/users/{carla.id}",
        data={"display_name": "Carla D.", "email": "carla@example.com", "role": "supervisor", "language": "en",
              "active": "y", "csrf_token": auth.token()},
    )
    assert response.status_code == 302
    entry = AuditEntry.select().where(AuditEntry.action == "user.update").get()
    assert ("role", "user", "supervisor") in entry.changes()
    assert ("display_name", "Carla Dias", "Carla D.") in entry.changes()


def test_last_admin_cannot_demote_themselves(auth, client):
    auth.login()
    admin = User.get(User.username == "admin")
    response = client.post(
        f"/admin/users/{admin.id}",
        data={"display_name": "", "email": "", "role": "user", "language": "en", "active": "y",
              "csrf_token": auth.token()},
    )
    assert response.status_code == 422
    assert "At least one active administrator must remain." in response.get_data(as_text=True)
    assert User.get_by_id(admin.id).role == "admin"


def test_disabled_user_cannot_log_in(auth, client):
    auth.login()
    _create(client, auth)
    carla = User.get(User.username == "carla")
    client.post(
        f"/admin/users/{carla.id}",
        data={"display_name": "Carla", "email": "", "role": "user", "language": "en", "csrf_token": auth.token()},
    )
    assert not User.get_by_id(carla.id).active
    client.post("/logout", data={"csrf_token": auth.token()})
    assert auth.login("carla", "Long-Enough-99").status_code == 401


def test_reset_password_shows_a_new_one_that_works(app, auth, client):
    auth.login()
    _create(client, auth)
    carla = User.get(User.username == "carla")
    response = client.post(
        f"/admin/users/{carla.id}/reset-password", data={"csrf_token": auth.token()}, headers={"HX-Request": "true"}
    )
    page = response.get_data(as_text=True)
    new_password = page.split('id="new-password">')[1].split("<")[0]
    other = app.test_client()
    token = csrf_token(other.get("/login").get_data(as_text=True))
    old = other.post("/login", data={"username": "carla", "password": "Long-Enough-99", "csrf_token": token})
    assert old.status_code == 401
    new = other.post("/login", data={"username": "carla", "password": new_password, "csrf_token": token})
    assert new.status_code == 302
    assert AuditEntry.select().where(AuditEntry.action == "user.reset_password").count() == 1
    assert new_password not in AuditEntry.select().where(AuditEntry.action == "user.reset_password").get().after


def test_htmx_search_returns_only_rows_and_varies_on_the_header(auth, client):
    auth.login()
    _create(client, auth)
    response = client.get("/admin/users?q=carl", headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert "<tr>" in body and "carla" in body and "<html" not in body
    assert "HX-Request" in response.headers["Vary"]


def test_mutating_htmx_request_without_csrf_header_is_refused(auth, client):
    auth.login()
    _create(client, auth)
    carla = User.get(User.username == "carla")
    response = client.post(f"/admin/users/{carla.id}/reset-password", headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert AuditEntry.select().where(AuditEntry.action == "user.reset_password").count() == 0


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/audit"])
def test_extension_users_may_not_open_admin_pages(auth, client, path):
    users.create(users.UserInput("ramal201", "Extension-User-1", role="user"), Actor.system())
    auth.login("ramal201", "Extension-User-1")
    response = client.get(path)
    assert response.status_code == 403
    assert "Você não tem permissão" in response.get_data(as_text=True)


def test_navigation_shows_only_what_the_role_may_open(auth, client):
    users.create(users.UserInput("ramal201", "Extension-User-1", role="user"), Actor.system())
    auth.login("ramal201", "Extension-User-1")
    page = client.get("/panel/account").get_data(as_text=True)
    assert "Minha conta" in page and "/admin/users" not in page


def test_audit_log_filters_by_actor(auth, client):
    users.create(users.UserInput("bob", "Created-By-Cli-1"), Actor.system("cli"))
    auth.login()
    _create(client, auth)
    response = client.get("/admin/audit?actor=cli", headers={"HX-Request": "true"})
    rows = response.get_data(as_text=True).split('id="flashes"')[0]  # the pending flash rides along out-of-band
    assert "bob" in rows and "carla" not in rows
