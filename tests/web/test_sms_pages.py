"""The messages tab of the panel and the admin's SMS pages: conversations, compose, filters, providers."""
from appliance.models.sms import SmsMessage, SmsProvider
from tests.conftest import PERSON_PASSWORD, csrf_token, make_person


def _send(client, auth, to, body, path="/panel/messages"):
    token = auth.token(path)
    return client.post(path, data={"to": to, "body": body, "csrf_token": token})


def test_a_person_sends_to_another_extension_and_both_see_the_conversation(client, auth, engine_control):
    make_person("ana", "201", language="en")
    make_person("bia", "202", language="en")
    auth.login("ana", PERSON_PASSWORD)
    sent = _send(client, auth, "202", "Café às 15h?")
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/panel/messages?peer=202")
    page = client.get("/panel/messages?peer=202").get_data(as_text=True)
    assert "Café às 15h?" in page and "Queued" in page and 'hx-trigger="every 5s"' in page
    client.post("/logout", data={"csrf_token": auth.token()})
    auth.login("bia", PERSON_PASSWORD)
    inbox = client.get("/panel/messages?peer=201").get_data(as_text=True)
    assert "Café às 15h?" in inbox and "Received" in inbox and 'hx-trigger' not in inbox


def test_bad_input_is_shown_next_to_the_field_and_nothing_is_stored(client, auth, engine_control):
    make_person("ana", "201", language="en")
    auth.login("ana", PERSON_PASSWORD)
    refused = _send(client, auth, "abc", "   ")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Write the message." in page and "Enter an extension or a mobile number" in page
    assert SmsMessage.select().count() == 0


def test_the_page_speaks_portuguese(client, auth, engine_control):
    make_person("ana", "201", language="pt_BR")
    auth.login("ana", PERSON_PASSWORD)
    refused = _send(client, auth, "+5511987654321", "oi")
    assert "Nenhum provedor de SMS está configurado" in refused.get_data(as_text=True)


def test_nobody_opens_someone_elses_messages(client, auth, engine_control):
    make_person("ana", "201", language="en")
    make_person("bia", "202", language="en")
    auth.login("ana", PERSON_PASSWORD)
    assert client.get("/panel/messages?ext=202").status_code == 403


def test_the_admin_sees_every_message_filtered_and_manages_providers(client, auth, engine_control):
    make_person("ana", "201", language="en")
    make_person("bia", "202", language="en")
    auth.login("ana", PERSON_PASSWORD)
    _send(client, auth, "202", "primeira")
    client.post("/logout", data={"csrf_token": auth.token()})
    auth.login()
    listed = client.get("/telephony/sms?extension=202&direction=in").get_data(as_text=True)
    assert "primeira" in listed
    assert "primeira" not in client.get("/telephony/sms?extension=202&direction=out").get_data(as_text=True)

    page = "/telephony/sms/providers"
    token = csrf_token(client.get(page).get_data(as_text=True))
    made = client.post(page, data={"csrf_token": token, "name": "Operadora", "kind": "smpp", "host": "127.0.0.1",
                                   "port": "2775", "system_id": "centralina", "password": "s3cret"})
    assert made.status_code == 200
    shown = made.get_data(as_text=True)
    assert "whsms_" in shown  # the inbound secret, this once
    provider = SmsProvider.get()
    assert "s3cret" not in shown and "whsms_" not in client.get(page).get_data(as_text=True)
    bad = client.post(page, data={"csrf_token": token, "name": "", "kind": "smpp", "host": "", "port": "0"})
    assert bad.status_code == 422 and SmsProvider.select().count() == 1
    number = client.post(f"{page}/{provider.id}/numbers", data={"csrf_token": token, "number": "(11) 3000-1000",
                                                                "extension": "201"})
    assert number.status_code == 302
    assert "+551130001000" in client.get(page).get_data(as_text=True) or "3000-1000" in client.get(page).get_data(
        as_text=True)
