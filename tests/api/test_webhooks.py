"""Webhooks through the API and the sender, against a real HTTP server on loopback (no engine)."""
import datetime

import pytest

from appliance import events
from appliance.models.users import AuditEntry, User, utcnow
from appliance.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from appliance.services import Actor, mail, webhook_delivery
from tests.api.conftest import bearer, personal_token, service_token
from tests.conftest import make_person
from tests.smtp import SmtpServer
from tests.webhook_receiver import Receiver, verify

CONFIG = webhook_delivery.Config(allow_private=True, timeout=5, retry_base=0.01, max_attempts=5)


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


def _create(client, token, url, types=("call.ringing",)):
    return client.post("/api/v1/webhooks", json={"name": "crm", "url": url, "event_types": list(types)},
                       headers=bearer(token))


def _rounds(count=1):
    for _ in range(count):
        webhook_delivery.fan_out()
        webhook_delivery.send_due(CONFIG)


def test_the_secret_is_shown_once_and_private_addresses_need_the_setting(app, client, receiver):
    token = service_token()[1]
    refused = _create(client, token, receiver.url("/hook"))
    assert refused.status_code == 422 and "127.0.0.1" in refused.json["errors"]["url"]
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    for url in ("http://169.254.169.254/latest", "ftp://example.com/x", "http://user:pw@example.com/",
                "javascript:alert(1)"):
        assert _create(client, token, url).status_code == 422, url
    created = _create(client, token, receiver.url("/hook"))
    assert created.status_code == 201 and created.json["secret"].startswith("whsec_")
    read = client.get(f"/api/v1/webhooks/{created.json['id']}", headers=bearer(token))
    assert read.status_code == 200 and "secret" not in read.json
    assert "secret" not in AuditEntry.get(AuditEntry.action == "webhook.create").after


def test_a_person_cannot_manage_webhooks(app, client):
    make_person("ana", "201")
    token = personal_token("ana", scopes=("calls:read",))[1]
    assert client.get("/api/v1/webhooks", headers=bearer(token)).status_code == 403


def test_an_event_arrives_signed_and_a_500_is_retried_until_200(app, client, receiver):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    token = service_token()[1]
    created = _create(client, token, receiver.url("/hook")).json
    receiver.status["/hook"] = 500
    webhook_delivery.fan_out()  # the cursor starts now
    event_id = events.publish("call.ringing", {"call_id": "1.1", "to": "201"}, extensions=("201",))
    _rounds()
    delivery = WebhookDelivery.get(WebhookDelivery.event_id == event_id)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 500)
    assert WebhookEndpoint.get_by_id(created["id"]).failing_since is not None

    receiver.status["/hook"] = 200
    delivery.next_attempt_at = utcnow()
    delivery.save()
    _rounds()
    delivery = WebhookDelivery.get_by_id(delivery.id)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 2, 200)
    first, second = receiver.received("/hook")
    assert first["status"] == 500 and second["status"] == 200
    for one in (first, second):
        assert verify(created["secret"], one["headers"], one["body"])
        assert not verify("whsec_wrong", one["headers"], one["body"])
        assert one["headers"]["Centralina-Webhook-Id"] == delivery.uid  # the same id on every retry
    assert second["event"]["data"] == {"call_id": "1.1", "to": "201"} and second["event"]["type"] == "call.ringing"
    log = client.get(f"/api/v1/webhooks/{created['id']}/deliveries/{delivery.id}", headers=bearer(token)).json
    assert [attempt["response_code"] for attempt in log["attempt_log"]] == [500, 200]
    assert WebhookEndpoint.get_by_id(created["id"]).failing_since is None


def test_test_event_and_redeliver_buttons(app, client, receiver):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    token = service_token()[1]
    created = _create(client, token, receiver.url("/hook")).json
    queued = client.post(f"/api/v1/webhooks/{created['id']}/test", headers=bearer(token))
    assert queued.status_code == 202
    _rounds()
    (test,) = receiver.received("/hook")
    assert test["event"]["type"] == "webhook.test" and verify(created["secret"], test["headers"], test["body"])
    again = client.post(f"/api/v1/webhooks/{created['id']}/deliveries/{queued.json['id']}/redeliver",
                        headers=bearer(token))
    assert again.status_code == 202
    _rounds()
    assert [one["event"]["id"] for one in receiver.received("/hook")] == [test["event"]["id"]] * 2
    other = client.post(f"/api/v1/webhooks/{created['id'] + 1}/deliveries/{queued.json['id']}/redeliver",
                        headers=bearer(token))
    assert other.status_code == 404


def test_an_endpoint_failing_for_days_is_disabled_and_the_admin_told(app, client, receiver):
    smtp = SmtpServer().start()
    mail.save_settings(mail.MailSettingsInput("127.0.0.1", smtp.port, "none", "", "", "pbx@example.com"),
                       Actor.system("test"))
    User.update(email="admin@example.com").where(User.username == "admin").execute()
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    token = service_token()[1]
    created = _create(client, token, receiver.url("/gone")).json
    receiver.status["/gone"] = 503
    WebhookEndpoint.update(failing_since=utcnow() - datetime.timedelta(days=6)).execute()
    webhook_delivery.fan_out()
    events.publish("call.ringing", {"call_id": "2.2"})
    events.publish("call.ringing", {"call_id": "2.3"})
    _rounds()
    endpoint = WebhookEndpoint.get_by_id(created["id"])
    assert not endpoint.enabled and "5 days" in endpoint.disabled_reason
    assert AuditEntry.get(AuditEntry.action == "webhook.disabled").target_name == "crm"
    assert {row.status for row in WebhookDelivery.select()} == {"failed"}
    (_, recipients, message), = smtp.messages
    smtp.stop()
    assert recipients == ["admin@example.com"] and "crm" in message["Subject"]
    events.publish("call.ringing", {"call_id": "2.4"})
    _rounds()
    assert len(receiver.received("/gone")) == 2  # nothing more is sent to a disabled endpoint
    assert WebhookAttempt.select().count() == 2


def test_a_receiver_on_a_forbidden_address_is_refused_at_delivery(app, client, receiver):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    token = service_token()[1]
    _create(client, token, receiver.url("/hook"))
    webhook_delivery.fan_out()
    events.publish("call.ringing", {"call_id": "3.3"})
    webhook_delivery.fan_out()
    webhook_delivery.send_due(webhook_delivery.Config(allow_private=False, retry_base=0.01))
    delivery = WebhookDelivery.get()
    assert delivery.status == "pending" and "resolves to no address" in delivery.error
    assert receiver.received() == []


def test_the_document_describes_what_receivers_get(client):
    document = client.get("/api/v1/openapi.json").json
    assert set(document["webhooks"]) >= {"call.ringing", "call.answered", "call.hungup", "call.missed",
                                         "voicemail.left"}
    ringing = document["webhooks"]["call.ringing"]["post"]
    assert "Centralina-Signature" in {parameter["name"] for parameter in ringing["parameters"]}
    assert "WebhookEvent" in document["components"]["schemas"]
