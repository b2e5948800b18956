"""Click-to-call through a real Asterisk: the person's own phone rings first, then the number is called."""
import time

import pytest

from appliance.asterisk import ami as ami_module
from appliance.services import Actor, click_to_call, engine_sync
from tests.engine.sipp import Sipp
from tests.pbx import extension_with_password

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")


@pytest.fixture
def sipp(pbx, tmp_path):
    return Sipp(pbx.settings.sip_port, workdir=tmp_path)


_extension = extension_with_password


def _hang_up_everything(engine, timeout=10.0):
    """Hang up every channel once both legs are up, so each SIPp UAS gets its BYE and ends cleanly."""
    settings = ami_module.AmiSettings.for_engine(engine.settings)
    with ami_module.Ami(settings) as ami:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            channels = ami.core_show_channels()
            if sum(1 for c in channels if c.get("ChannelStateDesc") == "Up" and c["Channel"].startswith("PJSIP/")) >= 2:
                break
            time.sleep(0.2)
        for channel in ami.core_show_channels():
            try:
                ami.hangup(channel["Channel"])
            except ami_module.AmiActionFailed:
                pass  # hung up already with its peer


def test_click_to_call_rings_the_callers_phone_then_calls_the_number(pbx, sipp):
    caller, caller_password = _extension("311", "Alice")
    _, callee_password = _extension("312", "Bob")

    with sipp.uas("312", callee_password, timeout=20) as callee, \
            sipp.uas("311", caller_password, timeout=20) as own_phone:
        click_to_call.call(caller, "312", ADMIN)
        _hang_up_everything(engine_sync.configured_engine())
        first, second = own_phone.wait(), callee.wait()

    assert first.ok and second.ok, (first, second)
    # Originate dials the number only once the first leg answered: the own phone's INVITE came first.
    assert first.received_requests("INVITE") and second.received_requests("INVITE")
    invite = second.received_requests("INVITE")[0]
    from_header = next(line for line in invite.splitlines() if line.lower().startswith(("from:", "f:")))
    assert '"Alice"' in from_header and "sip:311@" in from_header  # the callee sees the extension


def test_click_to_call_with_asterisk_down_is_a_clear_error(pbx, monkeypatch):
    caller, _ = _extension("311", "Alice")
    # Port 1 on loopback refuses the connection, as a stopped Asterisk's manager does.
    monkeypatch.setattr(ami_module.AmiSettings, "for_calls",
                        classmethod(lambda cls, s: cls("127.0.0.1", 1, "nobody", "wrong", timeout=1.0)))
    with pytest.raises(click_to_call.CallFailed, match="did not answer"):
        click_to_call.call(caller, "312", ADMIN)
