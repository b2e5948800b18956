"""The e-mail settings page: validation in the admin's language, the password kept, a real test message."""
import pytest

from appliance.models.mail import MailSettings
from appliance.models.users import AuditEntry, User
from appliance.services import users
from tests.smtp import SmtpServer

GOOD = {"host": "127.0.0.1", "port": "2525", "security": "none", "username": "", "password": "",
        "sender": "pbx@example.com"}


def _save(client, auth, **changes):
    return client.post("/admin/mail", data={**GOOD, **changes, "csrf_token": auth.token("/admin/mail")})


@pytest.fixture
def portuguese_admin(auth):
    users.set_language(User.get(User.username == "admin").id, "pt_BR")
    auth.login()


@pytest.mark.parametrize("changes, message", [
    ({"host": ""}, "Campo obrigatório."),
    ({"host": "smtp example com"}, "Informe um nome de host ou um endereço IP."),
    ({"port": "70000"}, "Informe uma porta entre 1 e 65535."),
    ({"port": "abc"}, "Informe uma porta entre 1 e 65535."),
    ({"sender": "pbx-at-example"}, "Informe um endereço de e-mail válido, como pbx@example.com."),
    ({"security": "ssl3"}, "Escolha inválida."),
    ({"password": "secret"}, "Informe o nome de usuário que acompanha a senha."),
])
def test_bad_settings_are_explained_in_portuguese_and_not_saved(client, auth, portuguese_admin, changes, message):
    response = _save(client, auth, **changes)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert not MailSettings.select().exists()


def test_settings_are_saved_and_the_password_kept_when_left_empty(client, auth):
    auth.login()
    assert _save(client, auth, username="pbx", password="s3cret").status_code == 302
    assert _save(client, auth, username="pbx", password="", port="587", security="starttls").status_code == 302
    settings = MailSettings.get_by_id(1)
    assert (settings.port, settings.security, settings.password) == (587, "starttls", "s3cret")
    page = client.get("/admin/mail").get_data(as_text=True)
    assert "s3cret" not in page and "A password is stored" in page
    assert all("s3cret" not in e.after + e.before for e in AuditEntry.select())
    assert "/admin/mail" in client.get("/admin/system").get_data(as_text=True)  # in the menu


def test_the_test_button_sends_a_real_message(client, auth):
    server = SmtpServer().start()
    try:
        auth.login()
        _save(client, auth, port=str(server.port))
        response = client.post("/admin/mail/test", data={"to": "ti@example.com",
                                                         "csrf_token": auth.token("/admin/mail")})
        assert response.status_code == 302
        (sender, recipients, message), = server.messages
        assert sender == "pbx@example.com" and recipients == ["ti@example.com"]
        assert message["Subject"] == "Centralina test message"
        assert "Test message sent to ti@example.com." in client.get("/admin/mail").get_data(as_text=True)
    finally:
        server.stop()


def test_a_refused_login_is_reported_clearly(client, auth, portuguese_admin):
    server = SmtpServer(username="pbx", password="right").start()
    try:
        _save(client, auth, port=str(server.port), username="pbx", password="wrong")
        response = client.post("/admin/mail/test", data={"to": "ti@example.com",
                                                         "csrf_token": auth.token("/admin/mail")})
        assert response.status_code == 422
        assert "O servidor de e-mail recusou o usuário ou a senha: 535" in response.get_data(as_text=True)
        assert server.messages == []
    finally:
        server.stop()


def test_an_unreachable_server_is_reported(client, auth):
    server = SmtpServer()  # never started: nothing listens on its port
    auth.login()
    _save(client, auth, port=str(server.port))
    response = client.post("/admin/mail/test", data={"to": "ti@example.com", "csrf_token": auth.token("/admin/mail")})
    assert response.status_code == 422
    assert f"Cannot reach the mail server at 127.0.0.1:{server.port}" in response.get_data(as_text=True)


def test_only_admins_see_the_mail_settings(client, auth, app):
    from appliance.services import Actor

    users.create(users.UserInput("maria", "Blue-Lantern-Pass-77", "Maria", role="user"), Actor.system("test"))
    auth.login("maria", "Blue-Lantern-Pass-77")
    assert client.get("/admin/mail").status_code == 403
