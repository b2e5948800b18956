"""Browsers and SIP phones in one ConfBridge room hear each other; the browser's keypad reaches the dialplan.

Every participant speaks its own tone: the two SIPp phones through in-process RTP sockets
(tests/engine/rtp_party.py, 500 and 900 Hz), the browser through chromium's fake microphone playing a
generated 1400 Hz wav (``--use-file-for-fake-audio-capture``). Each one must hear the others' tones
and not its own (ConfBridge never returns a participant's voice): the phones measure with Goertzel on
the G.711 they receive, the browser with the same filter on its remote track's samples (Web Audio).
"""
import math
import re
import struct
import time
import wave
from contextlib import ExitStack

import pytest
from playwright.sync_api import expect

from appliance.asterisk.names import conference_name
from appliance.models.conferences import ConferenceGuest
from appliance.models.extensions import Device
from appliance.services import Actor, conference_guests, conferences
from appliance.watcher import Watcher
from tests.browser.conftest import CHROMIUM
from tests.browser.phone_helpers import PHONE_ARGS, BrowserPhone
from tests.conftest import make_person
from tests.engine.rtp_party import RtpParty
from tests.engine.sipp import Sipp
from tests.pbx import driven_engine, extension_with_password
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")
#: The SIPp participants' extensions and tones, and the browser's tone.
PHONES = {"821": 500, "822": 900}
BROWSER_TONE = 1400
#: Amplitudes on the phones' 16-bit scale (RtpParty speaks at 6000).
HEARD, SILENT = 1500, 300
#: The same bounds for the browser, whose samples are floats in -1..1.
BROWSER_HEARD, BROWSER_SILENT = HEARD / 32768, SILENT / 32768

#: Goertzel over the browser's remote track for a few seconds: {frequency: amplitude (full scale 1.0)}.
LISTEN_JS = """
async ([track, frequencies, seconds]) => {
  const context = new AudioContext();
  await context.resume();
  const source = context.createMediaStreamSource(new MediaStream([track]));
  const analyser = context.createAnalyser();
  analyser.fftSize = 32768;
  source.connect(analyser);
  await new Promise((done) => setTimeout(done, seconds * 1000));
  const samples = new Float32Array(analyser.fftSize);
  analyser.getFloatTimeDomainData(samples);
  const levels = {};
  for (const frequency of frequencies) {
    const coefficient = 2 * Math.cos(2 * Math.PI * frequency / context.sampleRate);
    let previous = 0, before = 0;
    for (const sample of samples) [previous, before] = [sample + coefficient * previous - before, previous];
    const power = previous * previous + before * before - coefficient * previous * before;
    levels[frequency] = 2 * Math.sqrt(Math.max(power, 0)) / samples.length;
  }
  await context.close();
  return levels;
}"""


def _tone_wav(path, frequency, amplitude=0.8, seconds=2, rate=48000):
    """Write a mono 16-bit wav of a sine at ``frequency`` (a whole number of cycles: it loops cleanly).

    Loud on purpose: chromium's capture processing (auto gain, noise suppression) takes a steady tone
    for noise and lowers it; at 0.8 it reaches the phones at ~2700 of 32768.
    """
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        step = 2 * math.pi * frequency / rate
        out.writeframes(b"".join(struct.pack("<h", int(32767 * amplitude * math.sin(step * n)))
                                 for n in range(rate * seconds)))
    return path


@pytest.fixture(scope="module")
def speaking_browser(playwright, tmp_path_factory):
    """A chromium whose fake microphone speaks BROWSER_TONE."""
    wav = _tone_wav(tmp_path_factory.mktemp("tone") / "tone.wav", BROWSER_TONE)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=[*PHONE_ARGS, f"--use-file-for-fake-audio-capture={wav}"])
    yield browser
    browser.close()


@pytest.fixture
def engine(app):
    """A real Asterisk following the app's database; the pages reach its WebSocket on loopback."""
    with driven_engine() as engine:
        watcher = Watcher(engine, app.config["VAR_DIR"]).start()
        app.config["WEBRTC_WS_URL"] = f"ws://127.0.0.1:{engine.settings.http_port}/ws"
        try:
            yield engine
        finally:
            engine.cli("channel request hangup all")
            watcher.stop()


def _members(engine, room):
    text = engine.cli(f"confbridge list {conference_name(room.id)}")
    return [line for line in text.splitlines() if line.startswith("PJSIP/")]


def _phones_join(stack, engine, workdir, room_number, hold_seconds=40):
    """Two SIPp phones dial the room, each speaking its tone; return {number: RtpParty}."""
    sipp = Sipp(engine.settings.sip_port, workdir=workdir, timeout=30)
    parties = {}
    for number, frequency in PHONES.items():
        _, password = extension_with_password(number, f"Telefone {number}")
        party = stack.enter_context(RtpParty(frequency))
        stack.enter_context(sipp.call_with_media(number, password, room_number, party.port, hold_seconds=hold_seconds))
        assert wait_for(lambda party=party: party.remote, 10), f"{number}: no media from the room"
        parties[number] = party
    return parties


def _levels_everyone_hears(page, track_js, parties):
    """Listen 2.5 s everywhere at once; return {listener: {frequency: level}}."""
    frequencies = [*PHONES.values(), BROWSER_TONE]
    since = time.monotonic()
    track = page.evaluate_handle(track_js)
    browser = page.evaluate(LISTEN_JS, [track, frequencies, 2.5])
    levels = {"browser": {int(f): level for f, level in browser.items()}}
    for number, party in parties.items():
        levels[number] = {f: party.level_since(f, since) for f in frequencies}
    return levels


def _assert_everyone_hears_the_others(levels):
    own = {"browser": BROWSER_TONE, **PHONES}
    for listener, heard in levels.items():
        loud, quiet = (BROWSER_HEARD, BROWSER_SILENT) if listener == "browser" else (HEARD, SILENT)
        for speaker, frequency in own.items():
            if speaker == listener:
                assert heard[frequency] < quiet, (listener, "hears itself", levels)
            else:
                assert heard[frequency] > loud, (listener, "does not hear", speaker, levels)


#: The guest page's remote audio track (guest.js keeps its phone on window.guestPhone).
GUEST_TRACK = ("window.guestPhone.calls.get(window.guestState.callId).connection.getReceivers()"
               ".find((r) => r.track && r.track.kind === 'audio').track")


def test_a_browser_guest_and_two_sip_phones_in_one_room_each_hear_the_others(
        app, live_server, engine, speaking_browser, tmp_path):
    room = conferences.save_room(conferences.RoomInput("886", "Sala mista", announce=False), ADMIN)
    token, _ = conference_guests.issue_link(room.id, 1, ADMIN, app.config["SECRET_KEY"])
    context = speaking_browser.new_context(locale="pt-BR")
    page = context.new_page()
    page.goto(f"{live_server}/join/{token}?loopback=1")
    page.get_by_label("Seu nome").fill("Carla Visitante")
    page.locator("form button[type=submit]").click()
    expect(page.locator("#guest-status")).to_have_attribute("data-state", "in-room", timeout=20_000)
    guest = ConferenceGuest.get(ConferenceGuest.room == room.id)
    with ExitStack() as stack:
        parties = _phones_join(stack, engine, tmp_path, "886")
        assert wait_for(lambda: len(_members(engine, room)) == 3, 15), engine.cli("confbridge list")
        assert any(guest.sip_username in line for line in _members(engine, room))
        since = time.monotonic() + 1.0  # the mix settles once all three are in
        assert wait_for(lambda: time.monotonic() > since, 3)
        _assert_everyone_hears_the_others(_levels_everyone_hears(page, GUEST_TRACK, parties))
    page.locator("#guest-hangup").click()
    expect(page.locator("#guest-status")).to_have_attribute("data-state", "left")
    context.close()


#: The phone window's remote audio track of its one call.
PHONE_TRACK = ("[...window.centralinaPhone.calls.values()][0].connection.getReceivers()"
               ".find((r) => r.track && r.track.kind === 'audio').track")


def test_the_browser_phone_types_the_room_pin_on_its_keypad_and_is_let_in(
        app, live_server, engine, speaking_browser, tmp_path):
    room = conferences.save_room(conferences.RoomInput("887", "Sala com PIN", pin="4321", announce=False), ADMIN)
    make_person("ana", "301")
    ana = BrowserPhone(speaking_browser, live_server, "ana").registered()
    device = Device.get(Device.kind == "webrtc")
    ana.dial("887")
    ana.call_in_state("confirmed")
    # Asterisk's Read() waits for the PIN: the call is up, the room still empty.
    assert not _members(engine, room)
    for digit in "4321#":
        ana.page.locator(f"#phone-keypad button[value='{digit}']").click()
        # One tone at a time: a second insertDTMF while the first plays would replace it.
        ana.wait(f"window.phoneState.events.includes('dtmf {digit}')")
        ana.page.wait_for_timeout(250)
    # The digits crossed as RFC 4733 events, Read() took them and the PIN let the browser in.
    assert wait_for(lambda: any(device.sip_username in line for line in _members(engine, room)), 10), (
        engine.cli("core show channels verbose"), engine.log_tail())
    with ExitStack() as stack:
        parties = _phones_join(stack, engine, tmp_path, "887")
        for party in parties.values():
            party.type_digits("4321#")
        assert wait_for(lambda: len(_members(engine, room)) == 3, 15), engine.cli("confbridge list")
        since = time.monotonic() + 1.0
        assert wait_for(lambda: time.monotonic() > since, 3)
        _assert_everyone_hears_the_others(_levels_everyone_hears(ana.page, PHONE_TRACK, parties))
    ana.page.locator("#phone-hangup").click()
    ana.no_calls()
    ana.close()


#: Frames of remote video this page decoded so far, per inbound video stream (getStats).
FRAMES_JS = """async () => {
  const pc = window.guestPhone.calls.get(window.guestState.callId)?.connection;
  if (!pc) return [];
  const frames = [];
  (await pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'video') frames.push(r.framesDecoded || 0);
  });
  return frames;
}"""


def _guest(browser, base, token, name):
    context = browser.new_context(locale="pt-BR")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.on("pageerror", lambda error: print("page error:", error))
    page.goto(f"{base}/join/{token}?loopback=1")
    page.get_by_label("Seu nome").fill(name)
    page.locator("form button[type=submit]").click()
    expect(page.locator("#guest-status")).to_have_attribute("data-state", "in-room")
    return context, page


def _decoded(page):
    return sum(page.evaluate(FRAMES_JS))


def test_two_guests_see_each_others_camera_in_an_sfu_room_and_the_camera_turns_off(
        app, live_server, engine, speaking_browser):
    room = conferences.save_room(conferences.RoomInput("888", "Sala de vídeo", announce=False), ADMIN)
    assert re.search(r"Video Mode:\s+sfu", engine.cli(f"confbridge show profile bridge c{room.id}-bridge"))
    token, _ = conference_guests.issue_link(room.id, 2, ADMIN, app.config["SECRET_KEY"])
    first_context, first = _guest(speaking_browser, live_server, token, "Ana")
    second_context, second = _guest(speaking_browser, live_server, token, "Bia")
    # ConfBridge re-INVITEs each browser with the other's camera: a tile each, frames decoded each.
    for page in (first, second):
        page.wait_for_function("window.guestState.videos >= 1", polling=200)
        page.wait_for_function(f"({FRAMES_JS})().then((f) => f.reduce((a, b) => a + b, 0) > 10)", polling=250)
    expect(first.locator("#guest-videos video")).to_have_count(1)

    # Ana's camera off: Bia decodes no more of it; on again: frames flow again.
    first.locator("#guest-camera").click()
    first.wait_for_function("window.guestState.camera === false")
    expect(first.locator("#guest-camera")).to_have_attribute("aria-pressed", "false")
    second.wait_for_timeout(500)  # frames already in flight
    stopped = _decoded(second)
    second.wait_for_timeout(1000)  # 1 s of the fake camera's 30 frames a second, were any sent
    assert _decoded(second) - stopped < 3
    first.locator("#guest-camera").click()
    first.wait_for_function("window.guestState.camera === true")
    second.wait_for_function(f"({FRAMES_JS})().then((f) => f.reduce((a, b) => a + b, 0) > {stopped + 10})",
                             polling=250)
    for context in (first_context, second_context):
        context.close()


#: Frames of remote video the phone window decoded so far (every call, every inbound video stream).
PHONE_FRAMES_JS = """async () => {
  let frames = 0;
  for (const session of window.centralinaPhone.calls.values()) {
    if (!session.connection) continue;
    (await session.connection.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') frames += r.framesDecoded || 0;
    });
  }
  return frames;
}"""


def test_the_browser_phone_makes_a_video_call_into_an_sfu_room_with_a_guest(
        app, live_server, engine, speaking_browser):
    room = conferences.save_room(conferences.RoomInput("889", "Sala de vídeo 2", announce=False), ADMIN)
    make_person("ana", "301")
    ana = BrowserPhone(speaking_browser, live_server, "ana").registered()
    ana.page.locator("#phone-video").check()
    ana.dial("889")
    call = ana.call_in_state("confirmed")
    expect(ana.page.locator("#phone-camera")).to_be_visible()
    token, _ = conference_guests.issue_link(room.id, 1, ADMIN, app.config["SECRET_KEY"])
    guest_context, guest = _guest(speaking_browser, live_server, token, "Bia")

    # Each browser decodes the other's camera: the phone window shows the guest's tile.
    guest.wait_for_function(f"({FRAMES_JS})().then((f) => f.reduce((a, b) => a + b, 0) > 10)", polling=250)
    ana.page.wait_for_function(f"({PHONE_FRAMES_JS})().then((f) => f > 10)", polling=250)
    expect(ana.page.locator("#phone-videos video")).to_have_count(1)

    # Ana's camera off: the guest decodes no more of it.
    ana.page.locator("#phone-camera").click()
    ana.wait(f"window.phoneState.calls[{call}].camera === false")
    guest.wait_for_timeout(500)  # frames already in flight
    stopped = _decoded(guest)
    guest.wait_for_timeout(1000)
    assert _decoded(guest) - stopped < 3
    guest_context.close()
    ana.page.locator("#phone-hangup").click()
    ana.no_calls()
    expect(ana.page.locator("#phone-videos video")).to_have_count(0)
    ana.close()
