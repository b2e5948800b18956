"""The browser phone registers over the WebSocket and calls with DTLS-SRTP (issue 16 items 1 and 5).

Real chromium (fake microphone), real Asterisk, SIPp as the desk phone on the other side, all inside a
private network namespace (tests/browser/private_network.py).
"""
import threading

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from appliance.models.extensions import Device
from tests.browser.phone_helpers import PHONE_ARGS, BrowserPhone
from tests.browser.private_network import private_phone_system
from tests.conftest import make_person
from tests.engine.sipp import Sipp
from tests.pbx import extension_with_password
from tests.waiting import wait_for

pytestmark = pytest.mark.engine


@pytest.fixture
def system(app, playwright, tmp_path):
    """Asterisk following the app's database, the app and chromium, in a private network: (engine, base, browser)."""
    with private_phone_system(app, playwright, tmp_path, PHONE_ARGS) as parts:
        yield parts


def test_browser_phone_registers_and_calls_a_sip_phone_with_rtp_both_ways(app, system, tmp_path):
    engine, base, browser = system
    ana = make_person("ana", "301")
    _, desk_password = extension_with_password("302", "Desk")
    sipp = Sipp(engine.settings.sip_port, workdir=tmp_path)

    phone = BrowserPhone(browser, base, "ana").registered()
    # The credential made one more device of Ana's extension, of kind webrtc: no shadow extension.
    device = Device.get(Device.extension == ana.id, Device.kind == "webrtc")
    assert "transport-ws" in engine.cli(f"pjsip show endpoint {device.sip_username}")
    assert device.sip_username in engine.cli("pjsip show contacts")

    with sipp.uas("302", desk_password, rtp_echo=True) as desk:
        phone.dial("302")
        call = phone.call_in_state("confirmed")
        # The desk phone echoes what it hears: packets back in the browser crossed both ways.
        stats = phone.wait_rtp(call)
        assert stats["dtls"] == "connected", stats          # SRTP keyed by DTLS toward the browser
        assert stats["codec"] == "audio/opus", stats        # Asterisk transcodes opus <-> G.711
        phone.page.locator("#phone-hangup").click()
        assert phone.no_calls()["originator"] == "local"
        assert desk.wait().received_requests("BYE")
    phone.close()


def test_browser_answers_a_sip_call_and_two_browsers_call_each_other(app, system, tmp_path):
    engine, base, browser = system
    make_person("ana", "301")
    make_person("bia", "303")
    _, desk_password = extension_with_password("302", "Desk")
    sipp = Sipp(engine.settings.sip_port, workdir=tmp_path)
    ana = BrowserPhone(browser, base, "ana").registered()
    bia = BrowserPhone(browser, base, "bia", ).registered()

    # A SIPp phone calls Ana's extension: her browser rings, she answers, audio reaches her.
    result = {}
    caller = threading.Thread(target=lambda: result.update(call=sipp.call_with_audio(
        "302", desk_password, "301", wait_seconds=3.0, after_seconds=1.0)))
    caller.start()
    incoming = ana.call_in_state("incoming")
    assert ana.page.evaluate(f"window.phoneState.calls[{incoming}].peer") == "302"
    assert ana.page.evaluate("window.shownNotifications") == [{"title": "Chamada recebida", "body": "Desk 302"}]
    ana.page.locator("#phone-answer").click()
    ana.call_in_state("confirmed")
    ana.page.wait_for_function("(id) => (window.phoneState.stats[id]?.inbound || 0) > 20",
                               arg=incoming, timeout=15_000, polling=200)
    caller.join(timeout=30)
    assert result["call"].ok, result["call"]
    assert ana.no_calls()["originator"] == "remote"

    # Browser to browser: opus end to end, both hear the other.
    bia.dial("301")
    ringing = ana.call_in_state("incoming")
    ana.page.locator("#phone-answer").click()
    ana_stats = ana.wait_rtp(ringing)
    bia_stats = bia.wait_rtp(bia.call_in_state("confirmed"))
    assert ana_stats["codec"] == bia_stats["codec"] == "audio/opus", (ana_stats, bia_stats)
    bia.page.locator("#phone-hangup").click()
    assert ana.no_calls()["originator"] == "remote"
    bia.no_calls()
    ana.close()
    bia.close()


def test_the_browser_phone_registers_again_after_losing_its_line(app, system, tmp_path):
    engine, base, browser = system
    make_person("ana", "301")
    _, desk_password = extension_with_password("302", "Desk")
    ana = BrowserPhone(browser, base, "ana").registered()
    # The line drops: Asterisk (its WebSocket server) goes away and comes back.
    engine.stop()
    ana.wait("window.phoneState.events.includes('disconnected') && !window.phoneState.registered")
    engine.start()
    # JsSIP reconnects (2-30 s) and registers again by itself: no page reload, no click.
    ana.wait("window.phoneState.events.filter((e) => e === 'registered').length >= 2", timeout=60_000)
    # The proof that Asterisk has the new registration: a call from a desk phone rings the browser.
    sipp = Sipp(engine.settings.sip_port, workdir=tmp_path)
    thread, result = _caller(sipp, "302", desk_password, "301")
    call = _answer_caller(ana, engine, thread, result)
    ana.page.locator("#phone-hangup").click()
    ana.no_calls()
    thread.join(timeout=30)
    assert result["call"].ok, result["call"]
    assert call is not None
    ana.close()


def _bridged(engine, *peers):
    """Return whether channels of ``peers`` (endpoint names) share one bridge (core show channels concise)."""
    bridges = {}
    for line in engine.cli("core show channels concise").splitlines():
        fields = line.split("!")
        if len(fields) > 12 and fields[0].startswith("PJSIP/"):
            bridges[fields[0][6:].rsplit("-", 1)[0]] = fields[12]
    found = [bridges.get(peer) for peer in peers]
    return all(found) and len(set(found)) == 1


def _caller(sipp, number, password, to):
    """A SIPp phone calling ``to`` in the background and staying until it is hung up; (thread, result)."""
    result = {}
    thread = threading.Thread(target=lambda: result.update(call=sipp.call_until_hung_up(number, password, to,
                                                                                          timeout=40)))
    thread.start()
    return thread, result


def _answer_caller(ana, engine, thread, result):
    """Wait for the SIPp caller to ring Ana's browser and answer; say what each side saw if it never rings."""
    try:
        call = ana.call_in_state("incoming")
    except PlaywrightTimeoutError:
        thread.join(timeout=1)
        raise AssertionError((result.get("call"), ana.page.evaluate("window.phoneState"), engine.log_tail())) from None
    ana.page.locator("#phone-answer").click()
    ana.call_in_state("confirmed")
    return call


def test_hold_mute_dtmf_and_blind_then_attended_transfer(app, system, tmp_path):
    engine, base, browser = system
    make_person("ana", "301")
    _, caller_password = extension_with_password("302", "Caller")
    _, target_password = extension_with_password("303", "Target")
    sipp = Sipp(engine.settings.sip_port, workdir=tmp_path)
    ana = BrowserPhone(browser, base, "ana").registered()

    # -- hold, resume, mute, DTMF on a call from a SIPp phone
    with sipp.uas("303", target_password, rtp_echo=True) as target:
        ana.dial("303")
        call = ana.call_in_state("confirmed")
        ana.wait_rtp(call)
        ana.page.locator("#phone-hold").click()
        ana.wait(f"window.phoneState.calls[{call}]?.held")
        # Held: our re-INVITE made the stream sendonly, so Asterisk sends us nothing until we resume.
        frozen = ana.stats(call)["inbound"]
        ana.page.wait_for_timeout(600)  # a window long enough for 30 packets, were any flowing
        assert ana.stats(call)["inbound"] - frozen < 5
        ana.page.locator("#phone-hold").click()
        ana.wait(f"!window.phoneState.calls[{call}].held")
        ana.wait_rtp(call, packets=frozen + 25)

        ana.page.locator("#phone-mute").click()
        ana.wait(f"window.phoneState.calls[{call}].muted")
        assert ana.page.evaluate(f"window.centralinaPhone.calls.get({call}).connection.getSenders()"
                                 ".every((s) => !s.track || !s.track.enabled)")
        ana.page.locator("#phone-mute").click()
        ana.wait(f"!window.phoneState.calls[{call}].muted")

        ana.page.locator("#phone-keypad button[value='5']").click()  # in a call: a tone, not a digit typed
        ana.wait("window.phoneState.events.includes('dtmf 5')")
        ana.page.locator("#phone-hangup").click()
        ana.no_calls()
        assert target.wait().received_requests("BYE")

    # -- blind transfer: a SIPp phone calls Ana, she sends it on to 303
    with sipp.uas("303", target_password, rtp_echo=True) as target:
        thread, result = _caller(sipp, "302", caller_password, "301")
        call = _answer_caller(ana, engine, thread, result)
        ana.page.locator("#phone-number").fill("303")
        ana.page.locator("#phone-transfer").click()
        # Asterisk accepted the REFER, reached 303, and Ana's leg ended: the two SIPp phones talk.
        ana.no_calls()
        assert f"refer {call} done" in ana.page.evaluate("window.phoneState.events")
        target.wait_for_request("INVITE")
        assert wait_for(lambda: _bridged(engine, "302", "303"), timeout=10), engine.cli("core show channels concise")
        engine.cli("channel request hangup all")
        thread.join(timeout=30)
        assert result["call"].ok, result["call"]
        assert target.wait().received_requests("BYE")

    # -- attended transfer: Ana holds the caller, consults 303, then joins them
    with sipp.uas("303", target_password, rtp_echo=True) as target:
        thread, result = _caller(sipp, "302", caller_password, "301")
        first = _answer_caller(ana, engine, thread, result)
        ana.dial("303")  # the phone holds the first call before dialling the second
        ana.wait(f"window.phoneState.calls[{first}].held")
        ana.wait("Object.values(window.phoneState.calls).filter((c) => c.state === 'confirmed').length === 2")
        ana.page.locator("#phone-attended").click()
        assert wait_for(lambda: _bridged(engine, "302", "303"), timeout=10), (
            engine.cli("core show channels concise"), ana.page.evaluate("window.phoneState"), engine.log_tail())
        ana.no_calls()
        engine.cli("channel request hangup all")
        thread.join(timeout=30)
        assert result["call"].ok, result["call"]
        assert target.wait().received_requests("BYE")
    ana.close()
