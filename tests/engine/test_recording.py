"""Call recording with a real Asterisk and real SIP: a stereo file, each party on its channel, stored once."""
import io
import subprocess

import pytest

from appliance import audio
from appliance.asterisk import cdr
from appliance.asterisk import recordings as asterisk_recordings
from appliance.models.call_history import CallRecord
from appliance.models.extensions import Extension
from appliance.models.recordings import Recording
from appliance.models.users import AuditEntry
from appliance.services import Actor, call_profiles, extensions, prompts, queues, recordings
from tests.engine.audio import channels, decode_stereo, energy, tone_share, write_tone_pcap
from tests.engine.sipp import Sipp
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")
#: The called phone sends this tone; the caller sends SIPp's recorded speech (g711a.pcap).
TONE_HZ = 1000
#: The announcement prompt's tone (a prompt of the library, uploaded as an admin would).
ANNOUNCEMENT_HZ = 500


@pytest.fixture(scope="module")
def announcement(pbx):
    """A prompt of the library: 1.5 s of a 500 Hz tone (mp3, converted by the prompts service)."""
    mp3 = subprocess.run([audio.tool("ffmpeg"), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                          f"sine=frequency={ANNOUNCEMENT_HZ}:duration=1.5", "-f", "mp3", "-"], capture_output=True,
                         check=True).stdout
    return prompts.upload_prompt(prompts.PromptInput("Esta chamada poderá ser gravada"), io.BytesIO(mp3), ADMIN)


@pytest.fixture
def sipp(pbx, tmp_path):
    return Sipp(pbx.settings.sip_port, workdir=tmp_path)


def _ext(number, **fields):
    """Return (extension, its first device's SIP password), creating it once; apply ``fields``."""
    extension = extensions.find_extension(number)
    if extension is None:
        extension, _ = extensions.create(extensions.ExtensionInput(number, f"Ramal {number}"), ADMIN)
    if fields:
        extensions.update(extension.id, extensions.ExtensionChanges(extension.name, True, **fields), ADMIN)
    extension = Extension.get_by_id(extension.id)
    return extension, extension.devices[0].sip_password


def _call_with_tone(sipp, tmp_path, caller, caller_pw, callee, callee_pw, sipp_log=lambda: ""):
    tone = write_tone_pcap(tmp_path / "tone.pcap", hz=TONE_HZ, seconds=4.0)
    with sipp.uas(callee, callee_pw, play=tone) as uas:
        call = sipp.call_with_audio(caller, caller_pw, callee, wait_seconds=0.3, after_seconds=3.0)
        assert call.ok, (call, sipp_log())
        assert uas.wait().received_requests("INVITE")


def test_an_extension_recording_always_leaves_a_stereo_file_with_each_party_on_its_own_channel(
        pbx, sipp, tmp_path):
    _, alice = _ext("431")
    bob, bob_pw = _ext("432", recording="always", voicemail_enabled=False)
    ready = asterisk_recordings.ready_dir(pbx)

    _call_with_tone(sipp, tmp_path, "431", alice, "432", bob_pw, sipp_log=lambda: pbx.log_tail())

    # Asterisk moved the closed file into ready/ (MixMonitor's post-process command).
    raw = wait_for(lambda: list(ready.glob("*.raw")), timeout=10)
    name = raw[0].stem
    linkedid, uniqueid, _ = name.split("+")
    assert linkedid == uniqueid  # the caller's channel: the call's first
    wait_for(lambda: cdr.ingest(pbx) or CallRecord.select().where(CallRecord.uniqueid == uniqueid).exists(),
             timeout=10)
    store = tmp_path / "store"
    assert asterisk_recordings.ingest(pbx, store, "opus", keep_days=30) == 1
    assert not list(ready.glob("*.raw"))  # taken: only the compressed copy remains

    recording = Recording.get(Recording.name == name)
    record = CallRecord.get((CallRecord.uniqueid == uniqueid) & (CallRecord.dst == "432"))
    assert recording.linkedid == record.linkedid and recording.call_found and recording.path.endswith(".opus")
    assert recording.started_at == record.calldate
    assert recording.delete_after is not None and recording.seconds >= 2
    stored = store / recording.path
    assert channels(stored) == 2
    left, right = decode_stereo(stored)
    # Left: what the caller sent (speech); right: what reached the caller (the called phone's tone).
    assert energy(left) > 10_000 and energy(right) > 10_000
    assert tone_share(right, TONE_HZ) > 0.5, "the called party's channel carries its tone"
    assert tone_share(left, TONE_HZ) < 0.1, "the caller's channel carries speech, not the tone"

    # Who may hear it: the call's extensions (their owners) and admins; every listen is audited.
    assert recordings.involves(recording, "432") and recordings.involves(recording, "431")
    assert not recordings.involves(recording, "433")
    path = recordings.open_for(ADMIN, recording, "played", store)
    assert path == stored
    assert AuditEntry.select().where(AuditEntry.action == "recording.played",
                                     AuditEntry.target_id == str(recording.id)).count() == 1


def test_a_call_nobody_records_leaves_no_file(pbx, sipp, tmp_path):
    _, alice = _ext("441")
    _, carol_pw = _ext("442", voicemail_enabled=False)
    ready = asterisk_recordings.ready_dir(pbx)
    before = set(ready.glob("*.raw"))
    _call_with_tone(sipp, tmp_path, "441", alice, "442", carol_pw)
    wait_for(lambda: cdr.ingest(pbx) or CallRecord.select().where(CallRecord.dst == "442").exists(), timeout=10)
    assert set(ready.glob("*.raw")) == before
    assert not list(ready.parent.glob("*.raw"))  # nothing being written either


def test_on_demand_records_only_from_when_a_party_presses_the_in_call_code(pbx, sipp, tmp_path):
    _, dora = _ext("451", recording="on_demand")
    _, eva_pw = _ext("452", voicemail_enabled=False)
    ready = asterisk_recordings.ready_dir(pbx)
    before = set(ready.glob("*.raw"))
    tone = write_tone_pcap(tmp_path / "tone.pcap", hz=TONE_HZ, seconds=4.0)

    with sipp.uas("452", eva_pw, play=tone) as uas:  # nobody presses anything: nothing is recorded
        assert sipp.call("451", dora, "452", hold_seconds=1.0).ok
        uas.wait()
    wait_for(lambda: cdr.ingest(pbx) or CallRecord.select().where(CallRecord.dst == "452").exists(), timeout=10)
    assert set(ready.glob("*.raw")) == before

    with sipp.uas("452", eva_pw, play=tone) as uas:
        # SIPp's play_dtmf: RFC 4733 events with their own sequence numbers (the one-digit pcaps repeat theirs).
        call = sipp.call_and_type("451", dora, "452", "*1", hang_up_after=3.0)
        assert call.ok, (call, pbx.log_tail())
        uas.wait()
    new = wait_for(lambda: set(ready.glob("*.raw")) - before, timeout=10)
    assert len(new) == 1, pbx.log_tail()
    assert next(iter(new)).stat().st_size > 8000 * 4  # at least a second of stereo sound


def _new_files(ready, before, count=1):
    """Wait until ``count`` new finished recordings are in ``ready``; return them."""
    return wait_for(lambda: (set(ready.glob("*.raw")) - before) if len(set(ready.glob("*.raw")) - before) >= count
                    else None, timeout=10)


def test_a_call_from_an_extension_of_a_recording_profile_leaves_a_file(pbx, sipp, tmp_path):
    # Neither extension records by itself: the caller's profile says "always" (decision 036).
    fabio, fabio_pw = _ext("461")
    _, gil_pw = _ext("462", voicemail_enabled=False)
    profile = call_profiles.save_profile(call_profiles.ProfileInput("Gravados 461", recording="always"), ADMIN)
    call_profiles.apply_to_extensions(profile.id, [fabio.id], ADMIN)
    ready = asterisk_recordings.ready_dir(pbx)
    before = set(ready.glob("*.raw"))

    _call_with_tone(sipp, tmp_path, "461", fabio_pw, "462", gil_pw, sipp_log=lambda: pbx.log_tail())

    new = _new_files(ready, before)
    assert len(new) == 1, pbx.log_tail()
    left, right = _stereo(next(iter(new)), tmp_path)
    assert energy(left) > 10_000 and tone_share(right, TONE_HZ) > 0.5


def _stereo(raw, tmp_path):
    """Decode a finished raw recording (compressed as the daemon does) into its two channels."""
    target = tmp_path / "check" / (raw.stem + ".opus")
    asterisk_recordings.compress(raw, target)
    assert channels(target) == 2
    return decode_stereo(target)


def test_a_queue_that_records_announces_then_leaves_a_file_of_the_caller_and_the_agent(pbx, sipp, tmp_path,
                                                                                        announcement):
    _, caller_pw = _ext("471")
    _, agent_pw = _ext("472", voicemail_enabled=False)
    # A device created after Asterisk started is unavailable to app_queue until res_pjsip reloads.
    assert "reloaded successfully" in pbx.cli("module reload res_pjsip.so")
    queues.save_queue(queues.QueueInput(number="770", name="Gravada", recording="always", ring_seconds=10,
                                        recording_prompt_id=announcement.id, members=[queues.MemberInput("472")]),
                      ADMIN)
    ready = asterisk_recordings.ready_dir(pbx)
    before = set(ready.glob("*.raw"))

    tone = write_tone_pcap(tmp_path / "tone.pcap", hz=TONE_HZ, seconds=4.0)
    with sipp.uas("472", agent_pw, play=tone) as uas:
        call = sipp.call_with_audio("471", caller_pw, "770", wait_seconds=0.3, after_seconds=3.0)
        assert call.ok, (call, pbx.log_tail())
        assert uas.wait().received_requests("INVITE")

    new = _new_files(ready, before)
    assert len(new) == 1, pbx.log_tail()
    left, right = _stereo(next(iter(new)), tmp_path)
    assert energy(left) > 10_000, "the caller's speech"
    # The caller heard the announcement first (recorded: the file proves it was played), then the agent.
    assert tone_share(right[:8000], ANNOUNCEMENT_HZ) > 0.5, "the announcement in the first second"
    assert tone_share(right, TONE_HZ) > 0.2, "the agent's tone reached the caller"


def test_both_parties_hear_the_called_extensions_announcement_once_answered(pbx, sipp, tmp_path, announcement):
    _, caller_pw = _ext("481")
    _, called_pw = _ext("482", recording="always", recording_prompt_id=announcement.id, voicemail_enabled=False)
    ready = asterisk_recordings.ready_dir(pbx)
    before = set(ready.glob("*.raw"))

    _call_with_tone(sipp, tmp_path, "481", caller_pw, "482", called_pw, sipp_log=lambda: pbx.log_tail())

    new = _new_files(ready, before)
    assert len(new) == 1, pbx.log_tail()
    _, right = _stereo(next(iter(new)), tmp_path)
    # Dial's A(): the announcement to both once answered, then the parties are connected.
    assert tone_share(right[:8000], ANNOUNCEMENT_HZ) > 0.5, "the announcement reached the caller first"
    assert tone_share(right[:8000], TONE_HZ) < 0.1, "the parties are connected only after it"
    assert tone_share(right[12000:], TONE_HZ) > 0.1, "then the called party's own sound"
