"""Finding 8: logging out (here or everywhere) ends the session on the server; a copied cookie opens nothing."""
import hashlib

from appliance.models.sessions import WebSession
from appliance.services import Actor, users
from tests.conftest import ADMIN_PASSWORD, PERSON_PASSWORD, make_person
from tests.security import worker
from tests.security.conftest import ATTACKER, OWNER, client_at


def _logged_in(app, address=OWNER, username="admin", password=ADMIN_PASSWORD, user_agent="Mozilla/5.0 (test)"):
    client, auth = client_at(app, address, user_agent)
    assert auth.login(username, password).status_code == 302
    return client, auth


def _replay(app, cookie, path="/admin/users", **headers):
    """Send ``cookie`` from a fresh client elsewhere, as whoever copied it would."""
    thief, _ = client_at(app, ATTACKER)
    thief.set_cookie("session", cookie)
    return thief.get(path, headers=headers)


def test_a_cookie_captured_before_logout_opens_nothing_after_it(app):
    client, auth = _logged_in(app)
    captured = client.get_cookie("session").value
    assert _replay(app, captured).status_code == 200  # the copy works while the session lives
    client.post("/logout", data={"csrf_token": auth.token()})
    response = _replay(app, captured)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert _replay(app, captured, "/admin/users?q=a", **{"HX-Request": "true"}).headers["HX-Redirect"].startswith(
        "/login")
    assert not WebSession.select().exists()


def test_a_replayed_cookie_stays_dead_in_another_worker(app, worker_config):
    client, auth = _logged_in(app)
    captured = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": auth.token()})
    (response,) = worker.run(worker_config, [{"address": ATTACKER, "cookie": captured, "get": "/admin/users"}])
    assert response["status"] == 302 and response["location"].startswith("/login")


def test_a_session_survives_a_restart_of_the_web_app(app, worker_config):
    client, _ = _logged_in(app)
    (response,) = worker.run(worker_config, [{"cookie": client.get_cookie("session").value, "get": "/admin/users"}])
    assert response["status"] == 200


def test_log_out_everywhere_ends_the_session_of_another_browser(app):
    laptop, laptop_auth = _logged_in(app, user_agent="Firefox on the laptop")
    phone, _ = _logged_in(app, address="198.51.100.77", user_agent="Safari on the phone")
    page = laptop.get("/panel/account").get_data(as_text=True)
    assert "198.51.100.77" in page and "Safari on the phone" in page and "Firefox on the laptop" in page
    response = laptop.post("/panel/account/sessions/end-all", data={"csrf_token": laptop_auth.token()})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert phone.get("/panel/account").status_code == 302
    assert laptop.get("/panel/account").status_code == 302


def test_ending_one_session_from_the_list_ends_only_that_one(app):
    laptop, laptop_auth = _logged_in(app)
    phone, _ = _logged_in(app, address="198.51.100.77")
    other = WebSession.get(WebSession.address == "198.51.100.77")
    response = laptop.post(f"/panel/account/sessions/{other.id}/end", data={"csrf_token": laptop_auth.token()})
    assert response.status_code == 302
    assert phone.get("/panel/account").status_code == 302
    assert laptop.get("/panel/account").status_code == 200


def test_nobody_can_end_someone_elses_session(app):
    admin, _ = _logged_in(app)
    make_person("ana", "201")
    ana, ana_auth = _logged_in(app, address=ATTACKER, username="ana", password=PERSON_PASSWORD)
    admins = WebSession.get(WebSession.address == OWNER)
    response = ana.post(f"/panel/account/sessions/{admins.id}/end", data={"csrf_token": ana_auth.token()})
    assert response.status_code == 404
    assert admin.get("/admin/users").status_code == 200


def test_a_reset_password_or_a_disabled_account_ends_that_users_sessions(app):
    make_person("ana", "201")
    ana, _ = _logged_in(app, username="ana", password=PERSON_PASSWORD)
    user = users.find_user("ana")
    users.reset_password(user.id, Actor.system("test"))
    assert ana.get("/panel/account").status_code == 302
    users.set_password(user.id, "Another-Pass-123", Actor.system("test"))
    ana, _ = _logged_in(app, username="ana", password="Another-Pass-123")
    users.update(user.id, users.UserChanges("Ana", "", "user", "pt_BR", active=False), Actor.system("test"))
    assert ana.get("/panel/account").status_code == 302
    assert not WebSession.select().exists()


def test_a_copy_of_the_database_holds_no_usable_session_token(app):
    client, _ = _logged_in(app)
    token = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)["_user_id"]
    row = WebSession.get()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in row.token_hash
    forged, _ = client_at(app, ATTACKER)
    with forged.session_transaction() as session:
        session["_user_id"] = row.token_hash  # what a stolen database offers
    assert forged.get("/admin/users").status_code == 302
