"""SMS through the API: send from an extension, read its status, list messages and conversations."""
import pytest

from appliance.models.extensions import Extension
from appliance.models.sms import SmsMessage
from appliance.services import Actor, extensions, sms_providers, users
from tests.api.conftest import bearer, personal_token, service_token

PROBLEM = "application/problem+json"
SYSTEM = Actor.system("test")


@pytest.fixture
def people(app):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    extensions.create(extensions.ExtensionInput("202", "Bia"), SYSTEM)
    for name, number in (("ana", "201"), ("bia", "202")):
        user = users.create(users.UserInput(name, "Correct-Horse-42", name.title(), role="user", language="en"),
                            SYSTEM)
        Extension.update(user=user.id).where(Extension.number == number).execute()
    provider, _ = sms_providers.create(sms_providers.ProviderInput(
        name="Operadora", kind="smpp", host="127.0.0.1", port=2775, system_id="centralina", password="x"), SYSTEM)
    sms_providers.add_number(provider.id, "+551130001000", "", SYSTEM)


def test_a_personal_token_sends_from_its_own_extension_and_follows_the_status(client, people):
    ana = bearer(personal_token("ana", ["sms:send", "sms:read"])[1])
    sent = client.post("/api/v1/sms", json={"to": "(11) 98765-4321", "body": "Olá, tudo bem?", "extension": "202"},
                       headers=ana)
    assert sent.status_code == 202, sent.json
    assert sent.json["extension"] == "201" and sent.json["peer"] == "+5511987654321"
    assert sent.json["status"] == "queued" and sent.json["encoding"] == "ucs2" and sent.json["parts"] == 1
    read = client.get(sent.headers["Location"], headers=ana)
    assert read.status_code == 200 and read.json["id"] == sent.json["id"]
    listed = client.get("/api/v1/sms", headers=ana).json
    assert [m["id"] for m in listed["items"]] == [sent.json["id"]] and listed["next_cursor"] is None
    talks = client.get("/api/v1/sms/conversations", headers=ana).json["items"]
    assert [(c["own_number"], c["peer"], c["count"]) for c in talks] == [("+551130001000", "+5511987654321", 1)]


def test_a_personal_token_never_sees_another_persons_messages(client, people):
    bia = bearer(personal_token("bia", ["sms:send", "sms:read"])[1])
    ana = bearer(personal_token("ana", ["sms:send", "sms:read"])[1])
    sent = client.post("/api/v1/sms", json={"to": "202", "body": "oi Bia"}, headers=ana).json
    assert client.get(f"/api/v1/sms/{sent['id']}", headers=bia).status_code == 404
    inbox = client.get("/api/v1/sms", headers=bia).json["items"]
    assert [(m["direction"], m["peer"], m["body"]) for m in inbox] == [("in", "201", "oi Bia")]


def test_a_service_token_names_the_extension_and_pages_with_a_cursor(client, people):
    crm = bearer(service_token(["sms:send", "sms:read"])[1])
    refused = client.post("/api/v1/sms", json={"to": "+5511987654321", "body": "x"}, headers=crm)
    assert refused.status_code == 422 and "extension" in refused.json["errors"]
    for n in range(3):
        assert client.post("/api/v1/sms", json={"to": "+5511987654321", "body": f"n{n}", "extension": "202"},
                           headers=crm).status_code == 202
    first = client.get("/api/v1/sms?limit=2&extension=202", headers=crm).json
    second = client.get(f"/api/v1/sms?limit=2&extension=202&cursor={first['next_cursor']}", headers=crm).json
    assert [m["body"] for m in first["items"] + second["items"]] == ["n2", "n1", "n0"]


@pytest.mark.parametrize(("body", "field"), [
    ({"to": "+5511987654321", "body": "   "}, "body"),
    ({"to": "+5511987654321", "body": "ã" * 700}, "body"),
    ({"to": "12ab", "body": "oi"}, "to"),
], ids=["blank", "too-long", "bad-number"])
def test_bad_messages_are_per_field_problems_and_nothing_is_stored(client, people, body, field):
    ana = bearer(personal_token("ana", ["sms:send"])[1])
    refused = client.post("/api/v1/sms", json=body, headers=ana)
    assert refused.status_code == 422 and refused.mimetype == PROBLEM
    assert field in refused.json["errors"]
    assert SmsMessage.select().count() == 0


def test_sending_needs_the_scope(client, people):
    reader = bearer(personal_token("ana", ["sms:read"])[1])
    assert client.post("/api/v1/sms", json={"to": "202", "body": "oi"}, headers=reader).status_code == 403
