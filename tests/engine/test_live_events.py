"""A real SIPp call through a real Asterisk, seen live: the webhook, the event stream, the live list, hang-up.

The daemon (its single AMI connection) publishes the call's events; a real HTTP server on
loopback receives the webhooks and checks their signatures with only the shared secret; a real
HTTP client reads the SSE stream from the web app served on loopback; the live list shows the
call and hanging it up through the API makes Asterisk send SIPp its BYE. The daemon is then
stopped while a delivery is failing, and the next daemon delivers it.
"""
import http.client
import json
import threading

import pytest
from werkzeug.serving import make_server

from appliance import daemon
from appliance.models.webhooks import WebhookAttempt, WebhookDelivery
from appliance.services import Actor, extensions, webhooks
from tests.api.conftest import service_token
from tests.engine.sipp import Sipp, free_port
from tests.pbx import installation as pbx_installation
from tests.waiting import wait_for
from tests.webhook_receiver import Receiver, verify
from web import create_app

pytestmark = pytest.mark.engine
SYSTEM = Actor.system("test")


@pytest.fixture
def installation(tmp_path):
    with pbx_installation(tmp_path) as (conf, engine):
        conf.update(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_RETRY_BASE_SECONDS=0.5, EVENT_STREAM_HEARTBEAT=1)
        yield conf, engine


def _start_daemon(conf):
    stop = threading.Event()
    thread = threading.Thread(target=daemon.run, args=(conf, stop), daemon=True)
    thread.start()
    return stop, thread


def _stop_daemon(stop, thread):
    stop.set()
    thread.join(20)
    assert not thread.is_alive()


class _Stream:
    """Read an SSE stream with http.client in a thread; keep each event."""

    def __init__(self, port, token):
        self.events = []
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.connection.request("GET", "/api/v1/events", headers={"Authorization": f"Bearer {token}"})
        self.response = self.connection.getresponse()
        assert self.response.status == 200, self.response.read()
        assert self.response.getheader("Content-Type").startswith("text/event-stream")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        fields = {}
        try:
            for raw in self.response:
                line = raw.decode().rstrip("\n")
                if not line:
                    if "data" in fields:
                        self.events.append({**fields, "data": json.loads(fields["data"])})
                    fields = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(": ")
                    fields[name] = value
        except (OSError, ValueError):
            pass

    def types_of(self, call_id):
        return [event["event"] for event in self.events if event["data"]["data"].get("call_id") == call_id]

    def close(self):
        self.connection.close()


def test_a_sipp_call_is_streamed_listed_hung_up_and_webhooked_across_a_daemon_restart(installation, tmp_path):
    conf, engine = installation
    _, ana = extensions.create(extensions.ExtensionInput("701", "Ana"), SYSTEM)
    _, bia = extensions.create(extensions.ExtensionInput("702", "Bia"), SYSTEM)
    app = create_app({**conf, "TESTING": True})
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token = service_token(("calls:read", "calls:hangup"))[1]
    sipp = Sipp(engine.settings.sip_port, workdir=tmp_path / "sipp")
    stop, thread = _start_daemon(conf)
    with Receiver() as receiver:
        every = ("call.ringing", "call.answered", "call.hungup")
        _, secret = webhooks.create(webhooks.EndpointInput("crm", receiver.url("/crm"), every), SYSTEM, True)
        _, flaky_secret = webhooks.create(webhooks.EndpointInput("flaky", receiver.url("/flaky"), ("call.hungup",)),
                                          SYSTEM, True)
        receiver.status["/flaky"] = 500
        stream = _Stream(port, token)
        try:
            with sipp.uas("702", bia.sip_password, timeout=30) as callee:
                outcome = {}
                caller = threading.Thread(target=lambda: outcome.update(
                    result=sipp.call_until_hung_up("701", ana.sip_password, "702", timeout=30)), daemon=True)
                caller.start()

                def live_call():
                    answer = _get(port, "/api/v1/calls/live", token)
                    found = [call for call in answer.get("items", ()) if {"701", "702"} <= set(call["extensions"])
                             and call["state"] == "up"]
                    return found[0] if found else None

                call = wait_for(live_call, timeout=15)
                assert call, "the live list never showed the answered call"
                assert _delete(port, f"/api/v1/calls/live/{call['id']}", token) == 204
                caller.join(30)
                callee.wait()
            assert outcome["result"].ok, outcome["result"]  # the caller got BYE from Asterisk and accepted it
            assert outcome["result"].received_requests("BYE")

            assert wait_for(lambda: set(every) <= set(stream.types_of(call["id"])), timeout=15), stream.events
            types = stream.types_of(call["id"])
            assert types.index("call.ringing") < types.index("call.answered") < types.index("call.hungup")
            ids = [int(event["id"]) for event in stream.events]
            assert ids == sorted(ids)

            def crm_types():
                return {one["event"]["type"] for one in receiver.received("/crm")
                        if one["event"]["data"].get("call_id") == call["id"]}
            assert wait_for(lambda: crm_types() >= set(every), timeout=15), receiver.received("/crm")
            for one in receiver.received("/crm"):
                assert verify(secret, one["headers"], one["body"])
            hungup = next(one["event"] for one in receiver.received("/crm") if one["event"]["type"] == "call.hungup")
            assert hungup["data"]["record"]["src"] == "701" and hungup["data"]["record"]["dst"] == "702"

            # The flaky receiver fails; the daemon stops between a failure and the retry.
            assert wait_for(lambda: receiver.received("/flaky"), timeout=15)
            _stop_daemon(stop, thread)
            pending = WebhookDelivery.get(WebhookDelivery.type == "call.hungup", WebhookDelivery.status == "pending")
            assert pending.response_code == 500
            receiver.status["/flaky"] = 200
            stop, thread = _start_daemon(conf)
            assert wait_for(lambda: WebhookDelivery.get_by_id(pending.id).status == "delivered", timeout=15)
            attempts = [row.response_code for row in WebhookAttempt.select().where(
                WebhookAttempt.delivery == pending.id).order_by(WebhookAttempt.id)]
            assert attempts[0] == 500 and attempts[-1] == 200 and set(attempts) == {500, 200}
            flaky = receiver.received("/flaky")
            assert {one["headers"]["Centralina-Webhook-Id"] for one in flaky} == {pending.uid}
            assert all(verify(flaky_secret, one["headers"], one["body"]) for one in flaky)
        finally:
            stream.close()
            _stop_daemon(stop, thread)
            server.shutdown()


def _get(port, path, token):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        return json.loads(response.read() or b"{}")
    finally:
        connection.close()


def _delete(port, path, token):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("DELETE", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
