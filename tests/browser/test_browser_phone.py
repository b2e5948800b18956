"""The browser phone registers over the WebSocket and calls with DTLS-SRTP (issue 16 items 1 and 5).

Real chromium (fake microphone), real Asterisk, SIPp as the desk phone on the other side.
"""
import threading

import pytest

from appliance.models.extensions import Device
from appliance.watcher import Watcher
from tests.browser.phone_helpers import BrowserPhone, phone_browser  # noqa: F401  (fixture)
from tests.conftest import make_person
from tests.engine.sipp import Sipp
from tests.pbx import driven_engine, extension_with_password

pytestmark = pytest.mark.engine


@pytest.fixture
def engine(app):
    """A real Asterisk following the app's database; the phone reaches its WebSocket on loopback."""
    with driven_engine() as engine:
        watcher = Watcher(engine, app.config["VAR_DIR"]).start()
        app.config["WEBRTC_WS_URL"] = f"ws://127.0.0.1:{engine.settings.http_port}/ws"
        try:
            yield engine
        finally:
            watcher.stop()


def test_browser_phone_registers_and_calls_a_sip_phone_with_rtp_both_ways(
        app, live_server, engine, phone_browser, tmp_path):  # noqa: F811
    ana = make_person("ana", "301")
    _, desk_password = extension_with_password("302", "Desk")
    sipp = Sipp(engine.settings.sip_port, workdir=tmp_path)

    phone = BrowserPhone(phone_browser, live_server, "ana").registered()
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


def test_browser_answers_a_sip_call_and_two_browsers_call_each_other(
        app, live_server, engine, phone_browser, tmp_path):  # noqa: F811
    make_person("ana", "301")
    make_person("bia", "303")
    _, desk_password = extension_with_password("302", "Desk")
    sipp = Sipp(engine.settings.sip_port, workdir=tmp_path)
    ana = BrowserPhone(phone_browser, live_server, "ana").registered()
    bia = BrowserPhone(phone_browser, live_server, "bia", ).registered()

    # A SIPp phone calls Ana's extension: her browser rings, she answers, audio reaches her.
    result = {}
    caller = threading.Thread(target=lambda: result.update(call=sipp.call_with_audio(
        "302", desk_password, "301", wait_seconds=3.0, after_seconds=1.0)))
    caller.start()
    incoming = ana.call_in_state("incoming")
    assert ana.page.evaluate(f"window.phoneState.calls[{incoming}].peer") == "302"
    ana.page.locator("#phone-answer").click()
    ana.call_in_state("confirmed")
    ana.page.wait_for_function("async (id) => ((await window.phoneStats(id))?.inbound || 0) > 20",
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
    assert ana_stats["codec"] == bia_stats["codec"] == "audio/opus"
    bia.page.locator("#phone-hangup").click()
    assert ana.no_calls()["originator"] == "remote"
    bia.no_calls()
    ana.close()
    bia.close()
