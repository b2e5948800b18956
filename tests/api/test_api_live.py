"""Live calls and the event stream through the API: scoped to a person's own extension, bounded streams."""
import json

from appliance import events, live
from appliance.services import Actor, extensions
from tests.api.conftest import bearer, personal_token, service_token
from tests.conftest import make_person


def _two_calls(app):
    """Publish a snapshot with a call 201 -> 202 (up) and one 203 -> 204 (ringing)."""
    for number, name in (("202", "Bia"), ("203", "Caio"), ("204", "Dani")):
        extensions.create(extensions.ExtensionInput(number, name), Actor.system("t"))
    channel = {"caller": "", "exten": "", "application": "Dial", "duration": "00:00:07"}
    live.publish(app.config["VAR_DIR"], {"running": True, "channels": [
        {**channel, "channel": "PJSIP/201-00000001", "state": "Up", "linkedid": "100.1"},
        {**channel, "channel": "PJSIP/202-00000002", "state": "Up", "linkedid": "100.1"},
        {**channel, "channel": "PJSIP/203-00000003", "state": "Ring", "linkedid": "100.3"},
        {**channel, "channel": "PJSIP/204-00000004", "state": "Ringing", "linkedid": "100.3"},
    ]})


def test_a_person_sees_and_hangs_up_only_their_own_calls(app, client, engine_control):
    make_person("ana", "201")
    _two_calls(app)
    mine = personal_token("ana")[1]
    listed = client.get("/api/v1/calls/live", headers=bearer(mine)).json
    assert listed["engine_running"] and [call["id"] for call in listed["items"]] == ["100.1"]
    assert listed["items"][0]["extensions"] == ["201", "202"] and listed["items"][0]["state"] == "up"
    assert listed["items"][0]["channels"][0]["duration"] == 7
    # Someone else's call answers as if it did not exist.
    assert client.delete("/api/v1/calls/live/100.3", headers=bearer(mine)).status_code == 404
    assert engine_control.calls == []
    assert client.delete("/api/v1/calls/live/100.1", headers=bearer(mine)).status_code == 204
    assert engine_control.calls == [("hang_up", ["PJSIP/201-00000001", "PJSIP/202-00000002"])]


def test_a_service_token_sees_every_call_and_needs_the_scope(app, client, engine_control):
    make_person("ana", "201")
    _two_calls(app)
    token = service_token(("calls:read",))[1]
    assert [call["id"] for call in client.get("/api/v1/calls/live", headers=bearer(token)).json["items"]] == [
        "100.1", "100.3"]
    assert client.delete("/api/v1/calls/live/100.3", headers=bearer(token)).status_code == 403


def test_with_the_daemon_down_no_call_is_known(app, client):
    token = service_token(("calls:read",))[1]
    listed = client.get("/api/v1/calls/live", headers=bearer(token)).json
    assert listed == {"engine_running": False, "items": []}


def _read_stream(client, token, **headers):
    with client.get("/api/v1/events?since=0", headers=bearer(token, **headers)) as response:
        assert response.status_code == 200 and response.mimetype == "text/event-stream"
        frames = [frame for frame in response.get_data(as_text=True).split("\n\n") if frame.startswith("id:")]
    return [dict(line.split(": ", 1) for line in frame.splitlines()) for frame in frames]


def test_the_stream_carries_a_persons_own_events_and_resumes_after_last_event_id(app, client):
    app.config["EVENT_STREAM_MAX_SECONDS"] = 0.5
    make_person("ana", "201")
    first = events.publish("call.ringing", {"call_id": "1", "to": "201"}, extensions=("201", "202"))
    events.publish("call.ringing", {"call_id": "2", "to": "203"}, extensions=("203",))
    third = events.publish("call.hungup", {"call_id": "1"}, extensions=("201",))
    mine = personal_token("ana")[1]
    frames = _read_stream(client, mine)
    assert [(int(frame["id"]), frame["event"]) for frame in frames] == [(first, "call.ringing"), (third, "call.hungup")]
    assert json.loads(frames[0]["data"])["data"] == {"call_id": "1", "to": "201"}
    resumed = _read_stream(client, mine, **{"Last-Event-ID": str(first)})
    assert [int(frame["id"]) for frame in resumed] == [third]
    everything = _read_stream(client, service_token(("calls:read",))[1])
    assert len(everything) == 3


def test_streams_per_worker_are_bounded(app, client):
    from web.api import live as live_api
    app.config["EVENT_STREAM_MAX_SECONDS"] = 0.2
    token = service_token(("calls:read",))[1]
    app.config["EVENT_STREAMS_PER_WORKER"] = live_api.SLOTS.held  # every slot taken
    full = client.get("/api/v1/events", headers=bearer(token))
    assert full.status_code == 503 and full.headers["Retry-After"] == "5"
    app.config["EVENT_STREAMS_PER_WORKER"] = live_api.SLOTS.held + 1
    with client.get("/api/v1/events", headers=bearer(token)) as response:  # a server closes what it served
        assert response.status_code == 200 and live_api.SLOTS.held == 1
    assert live_api.SLOTS.held == 0


def test_unknown_event_types_are_refused(app, client):
    token = service_token(("calls:read",))[1]
    answer = client.get("/api/v1/events?types=call.ringing,sms.nope", headers=bearer(token))
    assert answer.status_code == 422


def test_a_stream_never_read_gives_its_slot_back(app, client):
    from web.api import live as live_api
    token = service_token(("calls:read",))[1]
    before = live_api.SLOTS.held
    with client.head("/api/v1/events", headers=bearer(token)) as response:
        assert response.status_code == 200
    assert live_api.SLOTS.held == before
