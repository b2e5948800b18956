"""Recording compiles into the call's dialplan: a stereo MixMonitor once per call, where policies ask for it."""
import datetime
import os

import pytest

from appliance.asterisk import recordings as asterisk_recordings
from appliance.asterisk.confgen import EngineInput, inbound
from appliance.asterisk.confgen import outbound as o
from appliance.asterisk.confgen.dialplan import render
from appliance.asterisk.confgen.inbound import InboundRouteRow
from appliance.asterisk.confgen.trunks import TrunkRow
from appliance.asterisk.confgen.types import ExtensionRow
from appliance.models.recordings import Recording

TRUNK = TrunkRow(1, "A", "192.0.2.1", kind="ip", max_channels=4)
NAME = "${CHANNEL(linkedid)}+${UNIQUEID}+${EPOCH}"
MIX = f"MixMonitor(${{ASTSPOOLDIR}}/recordings/{NAME}.raw,D,mv ${{ASTSPOOLDIR}}/recordings/{NAME}.raw"


def _outbound(recording, extensions_record=True):
    route = o.RouteRow(1, "Nacional", "national", (o.PatternRow("0ZZ[2-5]XXXXXXX", 1, "+55"),), (1,),
                       recording=recording)
    return render(";", *o.contexts(EngineInput(None, trunks=(TRUNK,), routes=(route,), profiles=(),
                                               extension_recording=extensions_record)))


def test_a_recorded_route_records_every_call_right_before_the_trunk_is_dialled():
    dial = _outbound("always").split("[cn-route-1-dial]")[1]
    assert f"(d0),ExecIf($[${{LEN(${{MIXMONITOR_FILENAME}})}} = 0]?{MIX}" in dial
    # Other routes record when the calling extension does (its realtime row).
    other = _outbound("never").split("[cn-route-1-dial]")[1]
    assert "(d0),Set(CN_RECP=${REALTIME_FIELD(cn_extensions,id,${GROUP(cn-calls)},record)})" in other
    assert '"${CN_RECP}" = "always"' in other and '"${CN_RECP}" = "on_demand"]?cn-record)' in other
    # While no extension records, the caller's row is not read: the route jumps straight to Dial.
    plain = _outbound("never", extensions_record=False).split("[cn-route-1-dial]")[1]
    assert "CN_RECP" not in plain and "CN_RECA" not in plain and "REALTIME" not in plain
    assert "(d0),Dial(PJSIP/${CN_OUT}@trunk_1," in plain
    # A recorded route records whatever the extensions say.
    assert f"(d0),ExecIf($[${{LEN(${{MIXMONITOR_FILENAME}})}} = 0]?{MIX}" in _outbound("always", False)


def test_a_recorded_inbound_route_records_before_its_destination_and_is_never_a_direct_jump():
    routes = (InboundRouteRow("+551130001000", "hangup", recording="always"), InboundRouteRow("+551130002000",
                                                                                             "hangup"))
    text = render(";", *inbound.contexts(EngineInput(None, trunks=(TRUNK,), inbound_routes=routes)))
    did = text.split("[cn-did]")[1].split("\n\n")[0]
    recorded = did.split("exten => +551130001000,")[1].split("exten =>")[0]
    assert MIX in recorded and "CN_ROUTE=" not in text.split("+551130001000")[0]
    assert MIX not in did.split("exten => +551130002000,")[1]


@pytest.mark.parametrize("bad", ["sometimes", "", "always;Hangup"])
def test_an_unknown_policy_is_refused(bad):
    with pytest.raises(ValueError):
        ExtensionRow("201", "Ana", recording=bad)
    with pytest.raises(ValueError):
        InboundRouteRow("+551130001000", "hangup", recording=bad)


def _raw(ready, name, seconds=2, age=0):
    ready.mkdir(parents=True, exist_ok=True)
    path = ready / f"{name}.raw"
    path.write_bytes(b"\x10\x00\xf0\xff" * 8000 * seconds)
    if age:
        stamp = path.stat().st_mtime - age
        os.utime(path, (stamp, stamp))
    return path


def test_ingest_waits_for_the_call_record_then_stores_once_across_a_kill(database, tmp_path):
    ready, store = tmp_path / "ready", tmp_path / "store"
    name = "1764000000.7+1764000000.8+1764000001"
    raw = _raw(ready, name)
    assert asterisk_recordings.ingest_dir(ready, store) == 0 and raw.exists()  # its call record may come
    _raw(ready, name, age=600)
    assert asterisk_recordings.ingest_dir(ready, store, "mp3", keep_days=7) == 1
    recording = Recording.get()
    assert recording.linkedid == "1764000000.7" and not recording.call_found
    assert (store / recording.path).stat().st_size == recording.size > 0 and recording.seconds == 2
    assert recording.delete_after - recording.started_at == datetime.timedelta(days=7)
    assert not raw.exists()
    # Killed after the row was written but before the raw file went: the next pass only deletes it.
    _raw(ready, name, age=600)
    assert asterisk_recordings.ingest_dir(ready, store) == 0
    assert not raw.exists() and Recording.select().count() == 1


def test_a_file_that_is_not_a_recording_of_ours_is_left_alone(database, tmp_path):
    ready = tmp_path / "ready"
    stray = _raw(ready, "x;rm -rf", age=600)
    assert asterisk_recordings.ingest_dir(ready, tmp_path / "store") == 0 and stray.exists()
