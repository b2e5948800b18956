"""Recording policies per call profile and per queue (decision 036): the strictest applicable wins, the recording
steps compile in only while something records, and the in-call code never stops a policy's recording."""
import datetime

import pytest

from appliance.asterisk.confgen import EngineInput, recording
from appliance.asterisk.confgen import queues as q
from appliance.asterisk.confgen.dialplan import render
from appliance.errors import ValidationError
from appliance.services import Actor, call_profiles, engine_rows, extensions, queues, recording_policy

SYSTEM = Actor.system("test")
MIX = "MixMonitor(${ASTSPOOLDIR}/recordings/"


@pytest.mark.parametrize(("policies", "wins"), [
    ((), "never"), (("never", "never"), "never"), (("never", "on_demand"), "on_demand"),
    (("on_demand", "always", "never"), "always"), (("always", "on_demand"), "always"),
])
def test_the_strictest_policy_wins(policies, wins):
    assert recording.strictest(*policies) == wins


def _profile(name, policy, keep_days=0):
    return call_profiles.save_profile(call_profiles.ProfileInput(name, recording=policy, recording_keep_days=keep_days),
                                      SYSTEM)


def test_a_recording_profile_makes_its_extensions_realtime_rows_record_and_compiles_the_steps(database):
    plain = extensions.create(extensions.ExtensionInput("301", "Ana"), SYSTEM)[0]
    own = extensions.create(extensions.ExtensionInput("302", "Bia"), SYSTEM)[0]
    extensions.update(own.id, extensions.ExtensionChanges("Bia", True, recording="on_demand"), SYSTEM)
    assert engine_rows.extension_recording()  # 302 records on demand: the steps are in
    rows = {row.number: row.recording for row in engine_rows.engine_extensions()}
    assert rows == {"301": "never", "302": "on_demand"}

    profile = _profile("Gravados", "always")
    assert call_profiles.apply_to_extensions(profile.id, [plain.id, own.id], SYSTEM) == 2
    rows = {row.number: row.recording for row in engine_rows.engine_extensions()}
    assert rows == {"301": "always", "302": "always"}  # the profile's always beats the extension's on demand

    on_demand = _profile("Sob demanda", "on_demand")
    call_profiles.apply_to_extensions(on_demand.id, [own.id], SYSTEM)
    assert {row.number: row.recording for row in engine_rows.engine_extensions(["302"])} == {"302": "on_demand"}


def test_nothing_records_no_steps_a_profile_that_records_brings_them(database):
    extensions.create(extensions.ExtensionInput("311", "Ana"), SYSTEM)
    assert not engine_rows.extension_recording()
    default = call_profiles.default_profile()
    call_profiles.save_profile(call_profiles.ProfileInput(default.name, list(default.class_list),
                                                          recording="always"), SYSTEM, default.id)
    assert engine_rows.extension_recording()
    assert [row.recording for row in engine_rows.engine_extensions()] == ["always"]  # no profile: the default's


@pytest.mark.parametrize(("field", "value"), [("recording", "sometimes"), ("recording_keep_days", -1),
                                              ("recording_keep_days", 3651), ("recording_keep_days", "x")])
def test_a_bad_policy_or_retention_is_refused_next_to_its_field(database, field, value):
    with pytest.raises(ValidationError) as error:
        call_profiles.save_profile(call_profiles.ProfileInput("P", **{field: value}), SYSTEM)
    assert field in error.value.fields
    with pytest.raises(ValidationError) as error:
        queues.save_queue(queues.QueueInput(number="760", name="Q", **{field: value}), SYSTEM)
    assert field in error.value.fields


def _queue_dialplan(policy):
    row = q.QueueRow(1, "700", "Suporte", recording=policy)
    text = render(";", *q.contexts(EngineInput(None, queues=(row,))))
    return text.split("exten => 700,")[1].split("exten =>")[0]


def test_a_queue_records_from_when_the_caller_joins_or_offers_the_code_or_nothing():
    always = _queue_dialplan("always")
    assert MIX in always and always.index(MIX) < always.index("Queue(")
    on_demand = _queue_dialplan("on_demand")
    assert "Set(__DYNAMIC_FEATURES=cn-record)" in on_demand and MIX not in on_demand
    never = _queue_dialplan("never")
    assert MIX not in never and "DYNAMIC_FEATURES" not in never
    with pytest.raises(ValueError):
        q.QueueRow(1, "700", "Suporte", recording="always;Hangup")


def test_a_queue_saves_its_policy_and_the_engine_row_carries_it(database):
    saved = queues.save_queue(queues.QueueInput(number="761", name="Vendas", recording="always",
                                                recording_keep_days=90), SYSTEM)
    assert (saved.recording, saved.recording_keep_days) == ("always", 90)
    assert [row.recording for row in engine_rows.engine_queues()] == ["always"]


def test_the_in_call_code_leaves_a_policy_recording_alone_and_stops_only_its_own():
    text = render(";", recording.toggle_context())
    assert "GotoIf($[${LEN(${MIXMONITOR_FILENAME})} > 0 | ${LEN(${IMPORT(${BRIDGEPEER},MIXMONITOR_FILENAME)})} > 0]" \
           "?recorded)" in text
    assert ",Di(CN_REC_ID),mv " in text and "StopMixMonitor(${CN_REC_ID})" in text


def test_an_announcement_is_prepared_for_dial_or_played_where_the_recording_starts():
    from appliance.asterisk.confgen import inbound
    from appliance.asterisk.confgen import outbound as o
    from appliance.asterisk.confgen.inbound import InboundRouteRow
    from appliance.asterisk.confgen.trunks import TrunkRow

    trunk = TrunkRow(1, "A", "192.0.2.1", kind="ip")
    route = o.RouteRow(1, "Nacional", "national", (o.PatternRow("0ZZ[2-5]XXXXXXX", 1, "+55"),), (1,),
                       recording="always", recording_prompt=7)
    dial = render(";", *o.contexts(EngineInput(None, trunks=(trunk,), routes=(route,), profiles=())))
    dial = dial.split("[cn-route-1-dial]")[1]
    assert "(d0),GosubIf($[${LEN(${MIXMONITOR_FILENAME})} = 0]?cn-record-start,s,1(7))" in dial
    assert "${CN_RECA})" in dial  # Dial's A() option, left by the start routine
    # A route that follows the calling extension: its announcement, read only when its policy starts one.
    plain = render(";", *o.contexts(EngineInput(None, trunks=(trunk,), routes=(o.RouteRow(
        1, "Nacional", "national", (o.PatternRow("0ZZ[2-5]XXXXXXX", 1, "+55"),), (1,)),), profiles=())))
    assert "cn-record-start,s,1(caller))" in plain
    routes = (InboundRouteRow("+551130001000", "hangup", recording="always", recording_prompt=7),)
    text = render(";", *inbound.contexts(EngineInput(None, trunks=(trunk,), inbound_routes=routes)))
    assert "cn-record-start,s,1(7,play))" in text
    start = render(";", recording.start_context())
    assert "FILTER(0123456789," in start and "Set(CN_RECA=A(${ASTVARLIBDIR}/prompts/p${CN_RECN}:" in start
    with pytest.raises(ValueError):
        InboundRouteRow("+551130001000", "hangup", recording="always", recording_prompt=-1)


def test_an_unknown_prompt_is_refused_and_a_prompt_in_use_cannot_be_deleted(database):
    from appliance.services import prompts

    with pytest.raises(ValidationError) as error:
        queues.save_queue(queues.QueueInput(number="762", name="Q", recording="always", recording_prompt_id=999),
                          SYSTEM)
    assert "recording_prompt_id" in error.value.fields
    prompt = prompts.Prompt.create(name="Aviso")
    queues.save_queue(queues.QueueInput(number="762", name="Q", recording="always", recording_prompt_id=prompt.id),
                      SYSTEM)
    assert prompts.users_of(prompt) == ["762"]
    with pytest.raises(ValidationError):
        prompts.delete_prompt(prompt.id, SYSTEM)


def _leg(linkedid, src, dst, dcontext="internal"):
    from appliance.models.call_history import CallRecord

    sequence = CallRecord.select().count() + 1
    return CallRecord.create(calldate=datetime.datetime(2026, 12, 1, 12), src=src, dst=dst, dcontext=dcontext,
                             linkedid=linkedid, uniqueid=f"{linkedid}.{dst}", disposition="ANSWERED",
                             sequence=sequence)


def test_a_recording_keeps_the_longest_retention_of_its_calls_holders_else_the_setting(database):
    ana = extensions.create(extensions.ExtensionInput("321", "Ana"), SYSTEM)[0]
    extensions.create(extensions.ExtensionInput("322", "Bia"), SYSTEM)
    extensions.update(ana.id, extensions.ExtensionChanges("Ana", True, recording_keep_days=30), SYSTEM)
    queues.save_queue(queues.QueueInput(number="763", name="Q", recording="always", recording_keep_days=365),
                      SYSTEM)
    profile = _profile("Longa", "never", keep_days=90)
    _leg("c1", "321", "322")
    assert recording_policy.retention("c1", 7) == (30, "extension 321")
    call_profiles.apply_to_extensions(profile.id, [ana.id], SYSTEM)
    assert recording_policy.retention("c1", 7) == (90, "profile Longa")
    _leg("c2", "322", "763")
    assert recording_policy.retention("c2", 7) == (365, "queue 763")
    _leg("c3", "+551130001000", "+5511999990000", "cn-route-999-dial")  # nobody set days: the setting
    assert recording_policy.retention("c3", 7) == (7, "setting")
    assert recording_policy.retention("none", 0) == (0, "")


def test_ingest_stores_the_days_and_whose_they_are(database, tmp_path):
    from appliance.asterisk import recordings as asterisk_recordings
    from appliance.models.recordings import Recording

    ana = extensions.create(extensions.ExtensionInput("331", "Ana"), SYSTEM)[0]
    extensions.update(ana.id, extensions.ExtensionChanges("Ana", True, recording_keep_days=45), SYSTEM)
    _leg("1764000000.9", "331", "332")
    ready = tmp_path / "ready"
    ready.mkdir()
    (ready / "1764000000.9+1764000000.9+1764000001.raw").write_bytes(b"\x10\x00\xf0\xff" * 8000)
    assert asterisk_recordings.ingest_dir(ready, tmp_path / "store", "mp3", keep_days=7) == 1
    row = Recording.get()
    assert (row.keep_days, row.kept_for) == (45, "extension 331")
    assert row.delete_after - row.started_at == datetime.timedelta(days=45)
