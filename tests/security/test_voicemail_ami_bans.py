"""Voicemail PIN and AMI login guessing against the real appliance, from other addresses of a private namespace."""
import socket
import threading

import pytest

from appliance.asterisk.ami import Ami, AmiSettings
from appliance.models.extensions import Extension
from tests.security.blocking_fixtures import LIMITS, blocking_pbx
from tests.waiting import wait_for

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def pbx(tmp_path_factory):
    """The appliance under attack, in its own network namespace (see ``blocking_pbx``)."""
    with blocking_pbx(tmp_path_factory.mktemp("blocking")) as running:
        yield running


def _wrong_pins(pin, count):
    return [guess for guess in ("1111", "2222", "3333", "4444") if guess != pin][:count]


def test_guessing_a_mailbox_pin_blocks_the_guessing_device(pbx):
    desk = "127.0.0.11"
    pin = Extension.get(Extension.number == "202").voicemail_pin
    # *98 asks for a mailbox and its PIN: three wrong PINs for 202's mailbox, then Asterisk hangs up.
    keys = "".join(f"202#{guess}#" for guess in _wrong_pins(pin, LIMITS["BAN_PAIR_FAILURES"]))

    guessing = pbx.sipp(desk, timeout=30).call_and_type("204", pbx.passwords["204"], "*98", keys)

    assert guessing.ok, str(guessing)
    ban = wait_for(lambda: pbx.ban(desk, "204"), timeout=2)
    assert ban is not None and (ban.service, ban.reason) == ("voicemail", "password")
    # The guessing device can do nothing more from there (not even another call)...
    assert pbx.sipp(desk).call("204", pbx.passwords["204"], "*43", expect_status=401).ok
    # ...while another phone at the same address works, and the address is not blocked whole.
    assert pbx.sipp(desk).register("205", pbx.passwords["205"]).ok
    assert desk not in pbx.blocked_in_kernel()


def test_the_right_pin_still_opens_the_mailbox_and_counts_nothing(pbx):
    desk = "127.0.0.12"
    pin = Extension.get(Extension.number == "206").voicemail_pin
    sipp = pbx.sipp(desk, timeout=20)
    results = []
    call = threading.Thread(target=lambda: results.append(
        sipp.call_and_type("206", pbx.passwords["206"], "*97", f"{pin}#", hang_up_after=4)))
    call.start()
    try:
        # VoiceMailMain runs only once the dialplan accepted the PIN.
        assert wait_for(lambda: "VoiceMailMain" in pbx.engine.cli("core show channels concise"), timeout=15)
    finally:
        call.join(30)
    assert results and results[0].ok, results
    assert pbx.ban(desk, "206") is None


def _ami_login(source, port, username, secret, timeout=2.0):
    """Log in to AMI on 127.0.0.1 from ``source``; return Asterisk's reply."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as conn:
        conn.bind((source, 0))
        conn.settimeout(timeout)
        conn.connect(("127.0.0.1", port))
        reply = conn.recv(256)  # the banner
        conn.sendall(f"Action: Login\r\nUsername: {username}\r\nSecret: {secret}\r\n\r\n".encode())
        while b"\r\n\r\n" not in reply.partition(b"\r\n")[2]:
            chunk = conn.recv(1024)
            if not chunk:
                break
            reply += chunk
        return reply.decode(errors="replace")


def test_guessing_the_ami_login_blocks_the_address(pbx):
    intruder = "127.0.0.13"
    settings = pbx.engine.settings
    for attempt in range(LIMITS["BAN_PAIR_FAILURES"]):
        assert "Response: Error" in _ami_login(intruder, settings.ami_port, settings.ami_username, f"guess-{attempt}")

    ban = wait_for(lambda: pbx.ban(intruder), timeout=2)
    assert ban is not None and ban.service == "ami"
    assert wait_for(lambda: intruder in pbx.blocked_in_kernel(), timeout=2)
    with pytest.raises(OSError):  # the connection is never even accepted
        _ami_login(intruder, settings.ami_port, settings.ami_username, "one-more", timeout=1.0)
    # The app's own AMI client, on allow-listed loopback, is untouched.
    with Ami(AmiSettings.for_engine(settings)) as ami:
        ami.ping()
