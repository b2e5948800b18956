"""IVR menus on a real Asterisk: a caller's RFC 4733 keys reach each option's destination, direct dial,
timeouts and wrong keys with their retries, nested menus; uploaded (mp3) and synthesized prompts play."""
import io
import re
import subprocess

import pytest

from appliance import audio
from appliance.services import Actor, ivrs, prompts
from tests.engine.sipp import Sipp
from tests.pbx import extension_with_password
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")


@pytest.fixture
def sipp(pbx, tmp_path):
    return Sipp(pbx.settings.sip_port, workdir=tmp_path)


def _mp3(seconds=1.5):
    """Return an mp3 file's bytes (a tone), made here as an admin's upload would be."""
    done = subprocess.run([audio.tool("ffmpeg"), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                           f"sine=frequency=440:duration={seconds}", "-f", "mp3", "-"], capture_output=True,
                          check=True)
    return done.stdout


@pytest.fixture(scope="module")
def menus(pbx):
    """Extensions 501 (the caller), 502 and 503; menus Main (7000) and Sub (7001) with prompts."""
    for number in ("501", "502", "503"):
        extension_with_password(number, f"Ramal {number}")
    greeting = prompts.synthesize_prompt(prompts.PromptInput("Boas-vindas", "Bem-vindo. Tecle 1.", "pt-BR"), ADMIN)
    tone = prompts.upload_prompt(prompts.PromptInput("Tom"), io.BytesIO(_mp3()), ADMIN)
    sub = ivrs.save_ivr(ivrs.IvrInput(name="Sub", number="7001", greeting=greeting.id, timeout_seconds=2,
                                      timeout_retries=0, final_destination="hangup",
                                      options={"1": "extension:503"}), ADMIN)
    main = ivrs.save_ivr(ivrs.IvrInput(
        name="Main", number="7000", greeting=greeting.id, timeout_seconds=2, timeout_retries=1,
        timeout_prompt=tone.id, invalid_prompt=tone.id, invalid_retries=1, final_destination="extension:503",
        direct_dial=True, direct_ranges="500-509", options={"1": "extension:502", "2": f"ivr:{sub.id}",
                                                           "9": "hangup"}), ADMIN)
    # Sub's 0 goes back to Main: a loop is allowed.
    ivrs.save_ivr(ivrs.IvrInput(name="Sub", number="7001", greeting=greeting.id, timeout_seconds=2,
                                timeout_retries=0, final_destination="hangup",
                                options={"1": "extension:503", "0": f"ivr:{main.id}"}), ADMIN, ivr_id=sub.id)
    tone_menu = ivrs.save_ivr(ivrs.IvrInput(name="Tone", number="7002", greeting=tone.id, timeout_seconds=10,
                                            timeout_retries=0), ADMIN)
    return {"main": main, "sub": sub, "greeting": greeting, "tone": tone, "tone_menu": tone_menu}


def _reaches(sipp, callee, steps, hang_up_after=12):
    """Call Main from 501 running ``steps``; return whether ``callee``'s phone was rung."""
    _, caller_password = extension_with_password("501", "Ramal 501")
    _, password = extension_with_password(callee, f"Ramal {callee}")
    with sipp.uas(callee, password) as phone:
        with sipp.call_menu("501", caller_password, "7000", steps, hang_up_after=hang_up_after) as call:
            rung = phone.wait_for_request("INVITE", timeout=hang_up_after + 10)
            call.wait()
    return rung


@pytest.mark.parametrize(("steps", "callee"), [(["1"], "502"), (["2", 1.0, "1"], "503")],
                         ids=["option 1 rings 502", "option 2 opens Sub, its 1 rings 503"])
def test_a_key_sends_the_call_to_its_option(pbx, menus, sipp, steps, callee):
    assert _reaches(sipp, callee, [0.5, *steps]), pbx.log_tail(40)


def test_a_menu_can_lead_back_to_the_one_that_led_to_it(pbx, menus, sipp):
    assert _reaches(sipp, "502", [0.5, "2", 1.0, "0", 1.0, "1"]), pbx.log_tail(40)


def test_direct_dial_reaches_an_extension_in_the_allowed_range(pbx, menus, sipp):
    assert _reaches(sipp, "502", [0.5, "502"]), pbx.log_tail(40)


def test_silence_replays_the_menu_then_takes_the_final_destination(pbx, menus, sipp):
    # 2 s timeout, one retry (the tone prompt, the greeting again, 2 s): then extension 503.
    assert _reaches(sipp, "503", [], hang_up_after=20), pbx.log_tail(40)


def test_wrong_keys_replay_the_menu_then_take_the_final_destination(pbx, menus, sipp):
    assert _reaches(sipp, "503", [0.5, "7", 1.0, "7"], hang_up_after=15), pbx.log_tail(40)


def test_direct_dial_outside_the_ranges_is_a_wrong_key(pbx, menus, sipp):
    _, password = extension_with_password("502", "Ramal 502")
    extension_with_password("503", "Ramal 503")
    # 503 is in range, 7001 (Sub's number) is not: typed twice it is two wrong entries, then the final (503).
    assert _reaches(sipp, "503", [0.5, "7001", 4.0, "7001"], hang_up_after=20), pbx.log_tail(40)


def _channel_playing(pbx, stem):
    """Return the name of a channel running Background of prompt ``stem`` now, or None."""
    for line in pbx.cli("core show channels concise").splitlines():
        fields = line.split("!")
        if len(fields) > 6 and fields[5].lower() == "background" and fields[6].endswith("/" + stem):
            return fields[0]
    return None


@pytest.mark.parametrize("which", ["tone", "greeting"], ids=["uploaded mp3", "text to speech"])
def test_a_prompt_plays_from_its_converted_file_in_the_calls_own_format(pbx, menus, sipp, which):
    prompt = menus[which]
    folder = prompts.storage_dir()
    stem = f"p{prompt.id}"
    for suffix in ("sln", "sln16", "ulaw", "alaw"):
        assert (folder / f"{stem}.{suffix}").stat().st_size > 1000
    number = "7002" if which == "tone" else "7001"
    _, caller_password = extension_with_password("501", "Ramal 501")
    with sipp.call_menu("501", caller_password, number, [], hang_up_after=4) as call:
        assert wait_for(lambda: _channel_playing(pbx, stem), timeout=5), pbx.cli("core show channels concise")
        channel = _channel_playing(pbx, stem)
        shown = pbx.cli(f"core show channel {channel}")
        call.wait()
    # The caller offers PCMU only: Asterisk wrote µ-law straight from the .ulaw file, no translation.
    assert re.search(r"WriteFormat:\s*ulaw", shown), shown
    assert re.search(r"WriteTranscode:\s*No", shown), shown
    assert "ast_streamfile failed" not in pbx.log_tail(200)


def _make_admin_own(number):
    from appliance.models.extensions import Extension
    from appliance.models.users import User
    from appliance.services import engine_sync, users

    admin = User.get_or_none(User.username == "chefe") or users.create(
        users.UserInput("chefe", "Blue-Lantern-Pass-77", "Chefe", role="admin", language="en"), ADMIN)
    Extension.update(user=admin.id).where(Extension.number == number).execute()
    engine_sync.sync(engine_sync.configured_engine())  # the admins' extensions are compiled in
    return admin


def test_an_admin_records_a_prompt_from_the_phone_and_it_becomes_the_prompts_audio(pbx, menus, sipp):
    _, password = extension_with_password("501", "Ramal 501")
    _make_admin_own("501")
    prompt = prompts.synthesize_prompt(prompts.PromptInput("Gravado", "temporário", "pt-BR"), ADMIN)
    folder = prompts.storage_dir()
    recording = folder / f"p{prompt.id}-phone.sln16"

    # Speech (SIPp's G.711 a-law sample) for a few seconds, then the caller hangs up: the recording is kept.
    call = sipp.call_with_audio("501", password, f"*77{prompt.id}", wait_seconds=0.5, after_seconds=1.0)

    assert call.ok, (call.statuses, pbx.log_tail(20))
    assert wait_for(lambda: recording.exists() and recording.stat().st_size > 16000, timeout=5), pbx.log_tail(30)
    # What the daemon does on the dialplan's event:
    adopted = prompts.adopt_recording(str(prompt.id), "501")
    assert adopted is not None and adopted.source == "phone" and adopted.duration > 0.5
    assert (folder / f"p{prompt.id}.ulaw").stat().st_size == pytest.approx(adopted.duration * 8000, rel=0.05)


def test_a_phone_that_is_not_an_admins_cannot_record(pbx, menus, sipp):
    _, password = extension_with_password("502", "Ramal 502")
    assert sipp.call("502", password, f"*77{menus['tone'].id}", expect_status=403).ok
    # Nor does the daemon take a recording an extension without an admin made.
    folder = prompts.storage_dir()
    (folder / f"p{menus['tone'].id}-phone.sln16").write_bytes(bytes(32000))
    assert prompts.adopt_recording(str(menus["tone"].id), "502") is None
    assert not (folder / f"p{menus['tone'].id}-phone.sln16").exists()


def test_menus_that_send_silent_callers_to_each_other_hang_up_after_a_bounded_number_of_visits(pbx, menus, sipp):
    ping = ivrs.save_ivr(ivrs.IvrInput(name="Ping", timeout_seconds=1, timeout_retries=0), ADMIN)
    pong = ivrs.save_ivr(ivrs.IvrInput(name="Pong", number="7003", timeout_seconds=1, timeout_retries=0,
                                       final_destination=f"ivr:{ping.id}"), ADMIN)
    ivrs.save_ivr(ivrs.IvrInput(name="Ping", timeout_seconds=1, timeout_retries=0,
                                final_destination=f"ivr:{pong.id}"), ADMIN, ivr_id=ping.id)
    _, password = extension_with_password("501", "Ramal 501")
    with sipp.call_menu("501", password, "7003", [], hang_up_after=60) as call:
        # About a second per menu: the far end (Asterisk) hangs up long before the caller would.
        assert wait_for(lambda: call.received_so_far("BYE"), timeout=45), pbx.log_tail(20)
        call.wait()
    assert "entered 20 menus and is hung up" in pbx.log_tail(50)
