"""Queues with real SIP: SIPp agents registered as extensions' devices, SIPp callers (one Asterisk per module).

Devices created after Asterisk started are "Unavailable" to app_queue (PJSIP device state) until a
res_pjsip reload links them to their AORs, and with ``ringinuse = no`` app_queue never rings an
unavailable member (open: services/engine_sync.py). The module fixture creates its extensions, then
reloads res_pjsip once.
"""
import math
import struct
import threading
import time
import wave

import pytest

from appliance.asterisk import control
from appliance.asterisk.ami import AmiEvents, AmiSettings
from appliance.asterisk.names import moh_class_name, queue_name
from appliance.errors import ValidationError
from appliance.models.extensions import Extension
from appliance.services import Actor, agent_board, agents, extensions, music_on_hold, pause_reasons, queues
from tests.engine.rtp_party import RtpParty
from tests.engine.sipp import Sipp
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")
AGENTS = ("701", "702", "703")


@pytest.fixture
def sipp(pbx, tmp_path):
    return Sipp(pbx.settings.sip_port, workdir=tmp_path)


def _ext(number):
    """Return (extension, its first device's SIP password), creating it once."""
    extension = extensions.find_extension(number)
    if extension is None:
        extension, _ = extensions.create(extensions.ExtensionInput(number, f"Agente {number}"), ADMIN)
    extension = Extension.get_by_id(extension.id)
    return extension, extension.devices[0].sip_password


@pytest.fixture(scope="module")
def people(pbx):
    """Agents 701-704, callers 790/791 (791 also an overflow target), with their devices' passwords."""
    found = {number: _ext(number)[1] for number in (*AGENTS, "704", "790", "791")}
    # Endpoints made after start are linked to their AORs' availability only by a res_pjsip reload.
    assert "reloaded successfully" in pbx.cli("module reload res_pjsip.so")
    return found


@pytest.fixture(scope="module")
def reasons(pbx):
    """Pause reasons 1 Almoço and 2 Treinamento."""
    return {reason.code: reason for reason in (
        pause_reasons.save_pause_reason(pause_reasons.PauseReasonInput(1, "Almoço", 60), ADMIN),
        pause_reasons.save_pause_reason(pause_reasons.PauseReasonInput(2, "Treinamento", None, True), ADMIN))}


def _queue(number, members, **settings):
    """Create or replace queue ``number`` with ``members`` (numbers, or (number, penalty, static))."""
    rows = [queues.MemberInput(*m) if isinstance(m, tuple) else queues.MemberInput(m) for m in members]
    existing = next((q for q in queues.list_queues() if q.number == number), None)
    data = queues.QueueInput(number=number, name=f"Fila {number}", members=rows, **settings)
    return queues.save_queue(data, ADMIN, existing.id if existing else None)


def _show(pbx, queue):
    return pbx.cli(f"queue show {queue_name(queue.id)}")


def _members(queue):
    """Return app_queue's members of ``queue`` now: {name: QueueMember event}."""
    return {row["Name"]: row for row in control.current().queue_members() if row.get("Queue") == queue_name(queue.id)}


def _idle(queue):
    """Wait until no member of ``queue`` is ringing or on a call (device states settle after a hang-up)."""
    return wait_for(lambda: all(row.get("Status") in ("1", "5") and row.get("InCall") == "0"
                                for row in _members(queue).values()), 5)


def test_ringall_rings_every_agent(pbx, people, sipp):
    queue = _queue("650", AGENTS, strategy="ringall", ring_seconds=5)
    with sipp.uas("701", people["701"], answer=False) as a, sipp.uas("702", people["702"], answer=False) as b, \
            sipp.uas("703", people["703"]) as c:
        assert wait_for(lambda: all(row["Status"] == "1" for row in _members(queue).values()), 5), _show(pbx, queue)
        call = sipp.call("790", people["790"], "650", hold_seconds=2)
        assert call.ok, str(call)
    for agent in (a, b, c):
        assert agent.result.received_requests("INVITE"), agent.result


@pytest.mark.parametrize("strategy", ["linear", "rrmemory", "leastrecent"])
def test_hunting_strategies_distribute_as_specified(pbx, people, sipp, strategy):
    queue = _queue(f"65{1 + ['linear', 'rrmemory', 'leastrecent'].index(strategy)}", AGENTS, strategy=strategy,
                   ring_seconds=5, retry_seconds=1)
    taken = []
    with sipp.uas("701", people["701"], calls=10) as a, sipp.uas("702", people["702"], calls=10) as b, \
            sipp.uas("703", people["703"], calls=10) as c:
        phones = {"701": a, "702": b, "703": c}
        assert wait_for(lambda: all(row["Status"] == "1" for row in _members(queue).values()), 5), _show(pbx, queue)
        counts = {number: 0 for number in phones}
        for _ in range(4):
            assert _idle(queue), _show(pbx, queue)
            call = sipp.call("790", people["790"], queue.number, hold_seconds=1.5)
            assert call.ok, str(call)
            now = {number: len(phone.received_so_far("INVITE")) for number, phone in phones.items()}
            rang = [number for number in phones if now[number] > counts[number]]
            assert len(rang) == 1, (rang, _show(pbx, queue))
            taken.append(rang[0])
            counts = now
    if strategy == "linear":
        # Every call starts again at the first member in the configured order.
        assert taken == ["701", "701", "701", "701"]
    elif strategy == "rrmemory":
        # Round robin remembered per queue, in member order.
        assert taken == ["701", "702", "703", "701"]
    else:
        # Least recently called first: three different agents, then the one whose call was longest ago.
        assert len(set(taken[:3])) == 3 and taken[3] == taken[0], taken


def test_a_paused_agent_gets_no_calls_and_its_reason_shows(pbx, people, reasons, sipp):
    queue = _queue("655", ["701", "702"], strategy="ringall", ring_seconds=5)
    agents.pause("701", reasons[1].id, ADMIN)
    try:
        member = wait_for(lambda: _members(queue).get("701", {}).get("Paused") == "1" and _members(queue)["701"], 5)
        assert member and member["PausedReason"] == "Almoço", member
        with sipp.uas("701", people["701"], answer=False) as paused, sipp.uas("702", people["702"]) as free:
            call = sipp.call("790", people["790"], "655", hold_seconds=1.5)
        assert call.ok, str(call)
        assert free.result.received_requests("INVITE")
        assert not paused.result.received_requests("INVITE")
    finally:
        agents.unpause("701", ADMIN)
    assert wait_for(lambda: _members(queue)["701"]["Paused"] == "0", 5)


def test_max_wait_sends_the_caller_to_the_overflow_destination(pbx, people, sipp):
    # Nobody to take the call (no members, callers may still join): after 2 s the caller reaches 791.
    _queue("656", [], max_wait_seconds=2, timeout_destination="extension:791", join_empty=True)
    with sipp.uas("791", people["791"]) as overflow:
        call = sipp.call("790", people["790"], "656", hold_seconds=4)
    assert call.ok, str(call)
    assert overflow.result.received_requests("INVITE"), overflow.result


def test_agents_log_in_pause_with_a_reason_and_log_out_by_feature_code(pbx, people, reasons, sipp):
    queue = _queue("657", [("703", 2, False)])
    assert "703" not in _members(queue)

    assert sipp.call_until_hung_up("703", people["703"], "*45").ok
    member = wait_for(lambda: _members(queue).get("703"), 5)
    assert member and member["Membership"] == "dynamic" and member["Penalty"] == "2", member

    assert sipp.call_until_hung_up("703", people["703"], "*472").ok
    assert wait_for(lambda: _members(queue)["703"].get("PausedReason") == "Treinamento", 5), _members(queue)
    assert sipp.call_until_hung_up("703", people["703"], "*48").ok
    assert wait_for(lambda: _members(queue)["703"]["Paused"] == "0", 5)

    assert sipp.call_until_hung_up("703", people["703"], "*46").ok
    assert wait_for(lambda: "703" not in _members(queue), 5), _members(queue)


def test_a_caller_waiting_during_a_queue_edit_stays_and_is_then_answered(pbx, people, sipp):
    queue = _queue("658", [("702", 0, False)], ring_seconds=5, join_empty=True)
    agents.logout("702", ADMIN)
    result = {}
    caller = threading.Thread(target=lambda: result.update(call=sipp.call("790", people["790"], "658",
                                                                          hold_seconds=8)))
    caller.start()
    try:
        assert wait_for(lambda: "790" in _show(pbx, queue) and "wait:" in _show(pbx, queue), 5), _show(pbx, queue)
        # An edit: new settings and name; queues.conf and the dialplan are rewritten and reloaded.
        _queue("658", [("702", 0, False)], ring_seconds=7, retry_seconds=2, wrapup_seconds=3, join_empty=True)
        assert "timeout = 7" in pbx.host_path(pbx.instance_dir / "etc" / "queues.conf").read_text()
        assert "790" in _show(pbx, queue), _show(pbx, queue)
        with sipp.uas("702", people["702"]) as agent:
            agents.login("702", ADMIN)
            assert agent.wait_for_request("INVITE", timeout=8), _show(pbx, queue)
            caller.join(20)
    finally:
        caller.join(20)
    assert result["call"].ok, result["call"]


@pytest.fixture
def board(pbx, tmp_path):
    """The daemon's agent board, fed by a real AMI event stream (as the daemon's watcher feeds it)."""
    found = agent_board.AgentBoard(tmp_path, fetch=lambda: control.current().queue_members())
    stream = AmiEvents(AmiSettings.for_engine(pbx.settings), found.on_event,
                       on_connect=lambda: threading.Thread(target=found.resync).start()).start()
    assert stream.wait_connected(10)
    yield lambda: agent_board.read_states(tmp_path)[0]
    stream.stop()


def test_the_board_follows_agents_through_pause_ringing_call_and_wrap_up(pbx, people, reasons, sipp, board):
    queue = _queue("659", [("701", 0, True), ("702", 0, False)], strategy="ringall", ring_seconds=5, retry_seconds=1,
                   wrapup_seconds=30)
    agents.logout("702", ADMIN)
    name = queue_name(queue.id)
    seen = []
    with sipp.uas("701", people["701"], answer=False), sipp.uas("702", people["702"]) as answering:
        # The reload that made the queue added 701 without a member event: the board asked again.
        assert wait_for(lambda: name in board().get("701", {}).get("queues", ()) and
                        board()["701"]["state"] == "idle", 5), board()
        assert name not in board().get("702", {}).get("queues", ())  # logged out of this queue

        agents.pause("701", reasons[1].id, ADMIN)
        paused = wait_for(lambda: board().get("701", {}).get("state") == "paused" and board()["701"], 5)
        assert paused and paused["reason"] == "Almoço" and paused["since"], board()
        agents.unpause("701", ADMIN)

        # 701 alone rings (and never answers); 702 logs in meanwhile, is rung next round and answers.
        caller = threading.Thread(target=lambda: seen.append(sipp.call("790", people["790"], "659",
                                                                       hold_seconds=9)))
        caller.start()
        assert wait_for(lambda: board().get("701", {}).get("state") == "ringing", 5), board()
        agents.login("702", ADMIN)
        assert wait_for(lambda: name in board().get("702", {}).get("queues", ()), 5), board()
        assert wait_for(lambda: board().get("702", {}).get("state") == "on_call", 12), board()
        caller.join(20)
        # 30 s of wrap-up after the call, which no event ends: derived from the last call.
        assert wait_for(lambda: board().get("702", {}).get("state") == "wrapup", 5), board()
    assert seen and seen[0].ok, seen
    assert answering.result.received_requests("INVITE")
    agents.logout("702", ADMIN)


def test_queue_log_is_written_by_asterisk_to_the_log_folder(pbx, people):
    # Earlier tests made calls, logins and pauses: app_queue wrote them, agents named by their number.
    path = pbx.host_path(pbx.instance_dir / "log" / "queue_log")
    lines = wait_for(lambda: path.exists() and path.read_text().splitlines(), 5)
    assert lines, "no queue_log"
    events = {line.split("|")[4] for line in lines if line.count("|") >= 4}
    assert {"ENTERQUEUE", "CONNECT", "ADDMEMBER", "PAUSE"} <= events, events
    assert any(line.split("|")[3] == "701" and line.split("|")[4] == "PAUSE" for line in lines)


def test_a_blf_key_on_the_login_code_shows_the_agents_queue_state(pbx, people, sipp):
    _queue("660", [("704", 0, False)])
    # 701's phone has a BLF key on *45704: off while 704 is logged out, lit once they log in by code.
    with sipp.subscribe_blf("701", people["701"], "*45704", notifies=3) as key:
        first = wait_for(lambda: key.received_so_far("NOTIFY"), 10)
        assert first and "<state>terminated</state>" in first[0], first
        assert sipp.call_until_hung_up("704", people["704"], "*45").ok
        lit = wait_for(lambda: len(key.received_so_far("NOTIFY")) >= 2 and key.received_so_far("NOTIFY"), 10)
        assert lit and "<state>confirmed</state>" in lit[1], lit
        agents.logout("704", ADMIN)  # from the panel or the API: the same lamp
        off = wait_for(lambda: len(key.received_so_far("NOTIFY")) >= 3 and key.received_so_far("NOTIFY"), 10)
        assert off and "<state>terminated</state>" in off[2], off


def _tone_wav(path, hz, seconds=3.0, amplitude=8000, rate=44100):
    """Write a 44.1 kHz stereo WAV of a ``hz`` sine (an upload as a music file would be); return ``path``."""
    frames = b"".join(struct.pack("<hh", value, value) for value in (
        int(amplitude * math.sin(2 * math.pi * hz * n / rate)) for n in range(int(seconds * rate))))
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


def test_a_waiting_caller_hears_the_queues_uploaded_music_and_stays_while_a_sound_is_added(pbx, people, sipp,
                                                                                         tmp_path):
    music = music_on_hold.save_class(music_on_hold.MohClassInput("Jazz da casa"), ADMIN)
    with _tone_wav(tmp_path / "a.wav", 700).open("rb") as stream:
        music_on_hold.upload_file(music.id, "a.wav", stream, ADMIN)
    conf_text = pbx.host_path(pbx.instance_dir / "etc" / "musiconhold.conf").read_text()
    assert f"[{moh_class_name(music.id)}]" in conf_text, conf_text
    folder = pbx.host_path(pbx.instance_dir / "lib" / "moh" / moh_class_name(music.id))
    assert sorted(p.suffix for p in folder.iterdir()) == [".alaw", ".sln", ".sln16", ".ulaw"]
    assert wait_for(lambda: moh_class_name(music.id) in pbx.cli("moh show classes"), 5), pbx.cli("moh show classes")
    queue = _queue("660", [], join_empty=True, moh_class=moh_class_name(music.id))
    assert f"musicclass = {moh_class_name(music.id)}" in pbx.host_path(
        pbx.instance_dir / "etc" / "queues.conf").read_text()
    with RtpParty(1300) as caller, sipp.call_with_media("790", people["790"], "660", caller.port, hold_seconds=20):
        assert wait_for(lambda: "790" in _show(pbx, queue) and "wait:" in _show(pbx, queue), 10), _show(pbx, queue)
        assert wait_for(lambda: caller.remote, 10), "the waiting caller got no audio"
        since = time.monotonic()
        assert wait_for(lambda: time.monotonic() > since + 1.5, 3)
        assert caller.level_since(700, since) > 1000, (caller.level_since(700, since), pbx.cli("moh show files"))
        # A second sound while the caller waits: musiconhold.conf changes, res_musiconhold reloads,
        # the caller keeps the queue and the music.
        with _tone_wav(tmp_path / "b.wav", 1100).open("rb") as stream:
            second = music_on_hold.upload_file(music.id, "b.wav", stream, ADMIN)
        assert f"f{second.id}" in pbx.host_path(pbx.instance_dir / "etc" / "musiconhold.conf").read_text()
        assert "790" in _show(pbx, queue), _show(pbx, queue)
        since = time.monotonic()
        assert wait_for(lambda: time.monotonic() > since + 1.5, 3)
        heard = caller.level_since(700, since) + caller.level_since(1100, since)
        assert heard > 1000, heard
        assert "790" in _show(pbx, queue), _show(pbx, queue)
    # A class a queue plays cannot be deleted; once the queue plays another, it can (with its files).
    with pytest.raises(ValidationError):
        music_on_hold.delete_class(music.id, ADMIN)
    _queue("660", [], join_empty=True, moh_class="default")
    music_on_hold.delete_class(music.id, ADMIN)
    assert not folder.exists()
    assert moh_class_name(music.id) not in pbx.host_path(pbx.instance_dir / "etc" / "musiconhold.conf").read_text()
