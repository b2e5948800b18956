"""Logging in and out, sessions, CSRF, rate limits and the language switcher."""
import time

from tests.conftest import ADMIN_PASSWORD, csrf_token


def test_login_page_speaks_portuguese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Entrar" in page and 'lang="pt-BR"' in page


def test_language_switcher_turns_login_page_to_english(client):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/language", data={"language": "en", "csrf_token": token})
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page and "Entrar" not in page


def test_admin_logs_in_and_lands_on_a_page_of_their_role(auth, client):
    response = auth.login()
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200


def test_wrong_password_is_refused_in_the_users_language(auth, client):
    response = auth.login(password="wrong-password")
    assert response.status_code == 401
    assert "Usuário ou senha incorretos." in response.get_data(as_text=True)
    assert client.get("/admin/users").status_code == 302


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(auth):
    response = auth.login(username="nobody", password="whatever-123")
    assert response.status_code == 401
    assert "Usuário ou senha incorretos." in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused_and_changes_nothing(client):
    response = client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD})
    assert response.status_code == 400
    assert "O formulário expirou" in response.get_data(as_text=True)
    assert client.get("/admin/users").status_code == 302


def test_repeated_failures_from_one_address_make_it_wait(auth):
    # The whole attack (other addresses, spraying, growing waits, workers) is in tests/security.
    for _ in range(3):
        assert auth.login(password="wrong-password").status_code == 401
    response = auth.login(password="wrong-password")
    assert response.status_code == 401 and response.headers["Retry-After"] == "2"
    response = auth.login()
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    assert "Tentativas demais. Aguarde 2 segundos" in response.get_data(as_text=True)


def test_successful_logins_do_not_count_against_the_limit(auth, client):
    for _ in range(7):
        assert auth.login().status_code == 302
        client.post("/logout", data={"csrf_token": auth.token()})


def test_next_parameter_cannot_redirect_off_site(auth, client):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login?next=//evil.example/x", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302 and "evil.example" not in response.headers["Location"]


def test_idle_session_expires(app, auth, client):
    app.config["SESSION_IDLE_MINUTES"] = 0.01  # 0.6 s
    auth.login()
    assert client.get("/admin/users").status_code == 200
    time.sleep(1)
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "Your session expired" in client.get("/login").get_data(as_text=True)  # still in their language


def test_session_ends_after_its_absolute_lifetime_even_when_active(app, auth, client):
    app.config["SESSION_MAX_HOURS"] = 1 / 3600  # 1 s
    auth.login()
    for _ in range(3):
        time.sleep(0.4)
        client.get("/panel/account")
    assert client.get("/admin/users").status_code == 302


def test_expired_htmx_request_is_redirected_by_header(app, auth, client):
    app.config["SESSION_IDLE_MINUTES"] = 0.01
    auth.login()
    time.sleep(1)
    response = client.get("/admin/users?q=a", headers={"HX-Request": "true"})
    assert response.headers.get("HX-Redirect", "").startswith("/login")


def test_logout_requires_post_and_ends_the_session(auth, client):
    auth.login()
    assert client.get("/logout").status_code == 405
    client.post("/logout", data={"csrf_token": auth.token()})
    assert client.get("/admin/users").status_code == 302


def test_changing_own_password_ends_other_sessions(app, auth, client):
    auth.login()
    other = app.test_client()
    token = csrf_token(other.get("/login").get_data(as_text=True))
    other.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD, "csrf_token": token})
    assert other.get("/panel/account").status_code == 200
    response = client.post(
        "/panel/account",
        data={
            "current_password": ADMIN_PASSWORD,
            "new_password": "Another-Secret-77",
            "confirm": "Another-Secret-77",
            "csrf_token": auth.token(),
        },
    )
    assert response.status_code == 302
    assert other.get("/panel/account").status_code == 302
    assert auth.login(password="Another-Secret-77").status_code == 302
