"""Recordings through the API: filters and cursor pages, owners see only their calls' recordings (a guessed id
answers 404), every download audited, deletion by admins (decision 036)."""
import datetime

import pytest

from appliance.asterisk.names import queue_name
from appliance.models.call_history import CallRecord
from appliance.models.callcenter import QueueLogRow
from appliance.models.recordings import Recording
from appliance.models.users import AuditEntry
from appliance.services import Actor, queues, recordings, supervision, users
from tests.api.conftest import bearer, personal_token, service_token
from tests.conftest import PERSON_PASSWORD, make_person
from tests.web.test_call_history import PASSWORD, T0, leg

OGG = b"OggS" + b"\0" * 60


def _recording(app, linkedid, started, **legs):
    store = recordings.store_dir(app.config)
    path = f"{started:%Y/%m/%d}/{linkedid}.opus"
    (store / path).parent.mkdir(parents=True, exist_ok=True)
    (store / path).write_bytes(OGG)
    return Recording.create(name=f"{linkedid}+1764000000.1+1764000000", linkedid=linkedid, started_at=started,
                            path=path, size=len(OGG), seconds=30, keep_days=30, kept_for="setting")


@pytest.fixture
def calls(app):
    """201 -> 202 (internal), 203 <- carrier (inbound), 201 -> carrier (outbound), each recorded."""
    make_person("maria", "201", language="en", password=PASSWORD)
    make_person("joao", "202", language="en", password=PASSWORD)
    make_person("carla", "203", language="en", password=PASSWORD)
    leg(T0, "201", "202", linkedid="c-int")
    leg(T0 + datetime.timedelta(hours=1), "+5511999990000", "203", linkedid="c-in")
    CallRecord.update(channel="PJSIP/trunk_1-00000001").where(CallRecord.linkedid == "c-in").execute()
    leg(T0 + datetime.timedelta(days=1), "201", "+5511988887777", linkedid="c-out", dstchannel="PJSIP/trunk_1-2")
    return {name: _recording(app, name, when) for name, when in (
        ("c-int", T0), ("c-in", T0 + datetime.timedelta(hours=1)), ("c-out", T0 + datetime.timedelta(days=1)))}


def _ids(response):
    assert response.status_code == 200, response.json
    return [item["linkedid"] for item in response.json["items"]]


def test_a_service_token_lists_every_recording_newest_first_with_cursor_pages_and_filters(client, calls):
    headers = bearer(service_token(scopes=("recordings:read",))[1])
    first = client.get("/api/v1/recordings?limit=2", headers=headers)
    assert _ids(first) == ["c-out", "c-in"] and first.json["next_cursor"]
    rest = client.get(f"/api/v1/recordings?limit=2&cursor={first.json['next_cursor']}", headers=headers)
    assert _ids(rest) == ["c-int"] and rest.json["next_cursor"] is None
    assert _ids(client.get("/api/v1/recordings?direction=inbound", headers=headers)) == ["c-in"]
    assert _ids(client.get("/api/v1/recordings?direction=outbound", headers=headers)) == ["c-out"]
    assert _ids(client.get("/api/v1/recordings?direction=internal", headers=headers)) == ["c-int"]
    assert _ids(client.get("/api/v1/recordings?extension=202", headers=headers)) == ["c-int"]
    assert _ids(client.get("/api/v1/recordings?number=%2B5511999990000", headers=headers)) == ["c-in"]
    day = T0.date().isoformat()
    since = f"{day}T00:00:00Z"
    until = f"{(T0 + datetime.timedelta(days=1)).date().isoformat()}T00:00:00Z"
    assert _ids(client.get(f"/api/v1/recordings?since={since}&until={until}", headers=headers)) == ["c-in", "c-int"]
    one = client.get(f"/api/v1/recordings/{calls['c-in'].id}", headers=headers)
    assert one.status_code == 200 and one.json["kept_for"] == "setting" and one.json["seconds"] == 30
    assert client.get("/api/v1/recordings?direction=sideways", headers=headers).status_code == 422


def test_a_person_sees_only_their_calls_and_a_guessed_id_is_404(client, calls):
    maria = bearer(personal_token("maria")[1])
    assert sorted(_ids(client.get("/api/v1/recordings", headers=maria))) == ["c-int", "c-out"]
    # carla's inbound call: maria's token answers as for an id that does not exist, and audits nothing.
    guessed = calls["c-in"].id
    for path in (f"/api/v1/recordings/{guessed}", f"/api/v1/recordings/{guessed}/audio"):
        assert client.get(path, headers=maria).status_code == 404
    assert client.get("/api/v1/recordings/999999/audio", headers=maria).status_code == 404
    assert not AuditEntry.select().where(AuditEntry.action == "recording.downloaded").exists()

    audio = client.get(f"/api/v1/recordings/{calls['c-int'].id}/audio", headers=maria)
    assert audio.status_code == 200 and audio.data == OGG and audio.mimetype == "audio/ogg"
    assert "no-store" in audio.headers["Cache-Control"] and "attachment" in audio.headers["Content-Disposition"]
    entry = AuditEntry.get(AuditEntry.action == "recording.downloaded")
    assert entry.target_id == str(calls["c-int"].id) and entry.actor_name.startswith("token:")
    # A person never deletes (not even their own): recordings:write is not theirs to grant.
    assert client.delete(f"/api/v1/recordings/{calls['c-int'].id}", headers=maria).status_code == 403


def test_the_scope_is_needed(client, calls):
    headers = bearer(service_token(scopes=("cdr:read",))[1])
    assert client.get("/api/v1/recordings", headers=headers).status_code == 403
    assert client.get(f"/api/v1/recordings/{calls['c-int'].id}/audio", headers=headers).status_code == 403


def test_an_admin_deletes_a_recording_its_file_goes_and_it_is_audited(app, client, calls):
    headers = bearer(service_token(scopes=("recordings:read", "recordings:write"))[1])
    target = calls["c-out"]
    assert client.delete(f"/api/v1/recordings/{target.id}", headers=headers).status_code == 204
    assert not (recordings.store_dir(app.config) / target.path).exists()
    assert Recording.get_by_id(target.id).deleted_at is not None
    assert AuditEntry.select().where(AuditEntry.action == "recording.delete").count() == 1
    assert client.get(f"/api/v1/recordings/{target.id}", headers=headers).status_code == 404
    assert "c-out" not in _ids(client.get("/api/v1/recordings", headers=headers))
    assert client.delete(f"/api/v1/recordings/{target.id}", headers=headers).status_code == 404


def test_a_supervisor_token_sees_the_recordings_of_their_queues_calls(client, app):
    system = Actor.system("test")
    vendas = queues.save_queue(queues.QueueInput(number="650", name="Vendas", members=[]), system)
    suporte = queues.save_queue(queues.QueueInput(number="651", name="Suporte", members=[]), system)
    sup = users.create(users.UserInput("sup", PERSON_PASSWORD, "Sup", role="supervisor", language="en"), system)
    supervision.set_supervisors(vendas.id, [sup.id], system)
    for queue in (vendas, suporte):
        record = leg(T0, "+5511999990000", queue.number, linkedid=f"L{queue.number}")
        QueueLogRow.create(time=1796612400, callid=record.uniqueid, queue=queue_name(queue.id), agent="NONE",
                           event="ENTERQUEUE")
        _recording(app, f"L{queue.number}", T0)
    headers = bearer(personal_token("sup", ["recordings:read"])[1])
    assert _ids(client.get("/api/v1/recordings", headers=headers)) == ["L650"]
    theirs = Recording.get(Recording.linkedid == "L651").id
    assert client.get(f"/api/v1/recordings/{theirs}", headers=headers).status_code == 404
    mine = Recording.get(Recording.linkedid == "L650").id
    assert client.get(f"/api/v1/recordings/{mine}/audio", headers=headers).status_code == 200
