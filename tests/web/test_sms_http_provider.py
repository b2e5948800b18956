"""The generic HTTP SMS provider against a real HTTP server on loopback, and its inbound webhook."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from appliance.models.extensions import Extension
from appliance.models.sms import SmsMessage
from appliance.services import Actor, extensions, sms, sms_providers
from appliance.sms import senders

SYSTEM = Actor.system("test")


class _Provider(BaseHTTPRequestHandler):
    """Records each request; answers with the status and JSON the test set."""

    def do_POST(self):  # noqa: N802 - the http.server name
        length = int(self.headers.get("Content-Length", 0))
        self.server.seen.append((self.path, dict(self.headers), self.rfile.read(length)))
        status, answer = self.server.answers.pop(0) if self.server.answers else (200, {"data": {"id": "abc-1"}})
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def http_provider():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    server.seen, server.answers = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def setup(app, http_provider):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    provider, secret = sms_providers.create(sms_providers.ProviderInput(
        name="Gateway", kind="http", url=f"http://127.0.0.1:{http_provider.server_port}/send", method="POST",
        headers='{"Authorization": "Bearer k3y", "Content-Type": "application/json"}',
        body_template='{"to": "$to", "from": "$from", "text": "$body", "ref": "$id"}', id_path="data.id"), SYSTEM)
    sms_providers.add_number(provider.id, "+551130001000", "201", SYSTEM)
    return provider, secret, Extension.get(Extension.number == "201")


def test_a_message_goes_out_with_the_template_filled_safely_and_a_report_marks_it_delivered(client, setup,
                                                                                            http_provider):
    provider, secret, ana = setup
    tricky = 'Diga "sim"\\ ou {não}\nobrigado'
    message = sms.send(ana, sms.SendInput(to="+5511987654321", body=tricky), SYSTEM)
    senders.send_http_due()
    ((path, headers, body),) = http_provider.seen
    assert path == "/send" and headers["Authorization"] == "Bearer k3y"
    sent = json.loads(body)  # the quotes, backslash and newline did not break the JSON
    assert sent == {"to": "+5511987654321", "from": "+551130001000", "text": tricky, "ref": str(message.id)}
    assert SmsMessage.get_by_id(message.id).status == "accepted"

    report = {"type": "report", "id": "abc-1", "status": "delivered"}
    assert client.post(f"/hooks/sms/{provider.id}", json=report).status_code == 404  # no secret
    assert client.post(f"/hooks/sms/{provider.id}", json=report,
                       headers={"X-Centralina-Secret": secret}).status_code == 200
    assert SmsMessage.get_by_id(message.id).status == "delivered"


def test_a_refusal_fails_the_message_and_a_server_error_retries_it(setup, http_provider):
    _, _, ana = setup
    http_provider.answers = [(400, {"error": "bad number"}), (503, {})]
    refused = sms.send(ana, sms.SendInput(to="+5511987654321", body="um"), SYSTEM)
    senders.send_http_due()
    later = sms.send(ana, sms.SendInput(to="+5511987654322", body="dois"), SYSTEM)
    senders.send_http_due()
    assert (SmsMessage.get_by_id(refused.id).status, SmsMessage.get_by_id(refused.id).reason) == ("failed",
                                                                                                  "HTTP 400")
    again = SmsMessage.get_by_id(later.id)
    assert again.status == "queued" and again.next_attempt_at is not None and again.reason == "HTTP 503"


def test_a_reply_through_the_webhook_lands_in_the_numbers_extension_inbox(client, setup):
    provider, secret, ana = setup
    reply = {"type": "message", "from": "+5511987654321", "to": "+551130001000", "text": "Pode sim, às 15h"}
    answer = client.post(f"/hooks/sms/{provider.id}", json=reply, headers={"X-Centralina-Secret": secret})
    assert answer.status_code == 201
    (found,) = sms.list_messages(ana, direction="in")
    assert (found.body, found.peer, found.status) == ("Pode sim, às 15h", "+5511987654321", "received")
    bad = client.post(f"/hooks/sms/{provider.id}", json={"type": "message"}, headers={"X-Centralina-Secret": secret})
    assert bad.status_code == 400 and SmsMessage.select().count() == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"url": "ftp://x"}, "url"),
    ({"body_template": '{"x": "$password"}'}, "body_template"),
    ({"headers": "[1]"}, "headers"),
], ids=["url", "template-placeholder", "headers"])
def test_bad_provider_settings_are_refused(app, changes, field):
    data = sms_providers.ProviderInput(name="X", kind="http", url="http://127.0.0.1/", body_template="$body")
    for name, value in changes.items():
        setattr(data, name, value)
    with pytest.raises(sms.ValidationError) as refused:
        sms_providers.create(data, SYSTEM)
    assert field in refused.value.fields
