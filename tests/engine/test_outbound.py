"""Calls out through real trunks: SIPp carriers on their own loopback addresses receive what the routes send.

Two IP-authenticated trunks (carrier A on 127.0.0.2 wants 0 + CSP + area code and has a default
caller ID; carrier B on 127.0.0.3 wants E.164), the Brazilian preset's routes through A then B, and
SIPp phones registered as extensions with the app's own credentials.
"""
import datetime
import re
import threading
from contextlib import contextmanager

import pytest

from appliance import daemon
from appliance.asterisk import cdr
from appliance.asterisk.ami import AmiEvents, AmiSettings
from appliance.models.call_history import CallRecord
from appliance.models.extensions import Extension
from appliance.models.users import User
from appliance.services import (
    Actor,
    call_profiles,
    extension_settings,
    extensions,
    groups,
    mail,
    outbound_caps,
    outbound_presets,
    outbound_routes,
    trunks,
    users,
)
from tests.engine.sipp import LOOPBACK, Sipp, SippProcess, free_port
from tests.smtp import SmtpServer
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")
CARRIER_A, CARRIER_B = "127.0.0.2", "127.0.0.3"


@pytest.fixture
def sipp(pbx, tmp_path):
    return Sipp(pbx.settings.sip_port, workdir=tmp_path)


@pytest.fixture(scope="module")
def network(pbx):
    """Trunks A and B, the preset's routes through A then B, an internal-only and an international profile."""
    ports = {CARRIER_A: free_port(), CARRIER_B: free_port()}
    a = trunks.save_trunk(trunks.TrunkInput(
        name="Carrier A", host=CARRIER_A, kind="ip", port=ports[CARRIER_A], qualify_seconds=0, max_channels=1,
        number_format="national_csp", csp="21", callerid_format="e164", default_callerid="+551133334444"), ADMIN)
    b = trunks.save_trunk(trunks.TrunkInput(
        name="Carrier B", host=CARRIER_B, kind="ip", port=ports[CARRIER_B], qualify_seconds=0,
        number_format="e164", callerid_format="e164"), ADMIN)
    outbound_presets.apply_brazilian_preset("11", [a.id, b.id], ADMIN)
    internal = call_profiles.save_profile(call_profiles.ProfileInput("Interno", classes=[]), ADMIN)
    international = call_profiles.save_profile(call_profiles.ProfileInput(
        "Internacional", classes=["local", "national", "mobile", "international"], max_external_per_extension=2,
        international_minutes_per_day=60), ADMIN)
    return {"ports": ports, "a": a, "b": b, "internal": internal, "international": international}


def _ext(number, profile=None, **fields):
    """Return (extension, its SIP password), creating it once; put it in ``profile`` and apply ``fields``."""
    extension = extensions.find_extension(number)
    if extension is None:
        extension, _ = extensions.create(extensions.ExtensionInput(number, f"Ramal {number}"), ADMIN)
    if profile is not None:
        call_profiles.apply_to_extensions(profile.id, [extension.id], ADMIN)
    if fields:
        extensions.update(extension.id, extensions.ExtensionChanges(extension.name, True, **fields), ADMIN)
    extension = Extension.get_by_id(extension.id)
    return extension, extension.devices[0].sip_password


@contextmanager
def carrier(network, address, workdir, status=200, timeout=60):
    """A SIPp carrier on ``address`` answering (200) or refusing (``status``) every INVITE; stopped by PID."""
    port = network["ports"][address]
    # The server address is SIPp's default peer, unused by a scenario that starts by receiving.
    sipp = Sipp(5060, server_host=LOOPBACK, local_host=address, workdir=workdir / address)
    scenario = sipp._scenario("carrier_answer.xml" if status == 200 else "carrier_reject.xml", status=status)
    cmd, run_dir = sipp._command(scenario, port=port, calls=1000, timeout=timeout, extra=["-aa"])
    process = SippProcess(cmd, run_dir, timeout)
    try:
        assert process.wait_listening(address, [port]), process.wait()
        yield process
    finally:
        process.__exit__(None, None, None)


def _invites(process):
    return process.received_so_far("INVITE")


def _request_user(invite):
    return re.match(r"INVITE sip:([^@]+)@", invite).group(1)


def _from_user(invite):
    return re.search(r"^From:[^\n]*<sip:([^@>]+)@", invite, re.M).group(1)


def _asserted_user(invite):
    found = re.search(r"^P-Asserted-Identity:[^\n]*<sip:([^@>]+)@", invite, re.M)
    return found.group(1) if found else None


def test_national_numbers_reach_the_carrier_in_its_format_with_the_trunk_caller_id(pbx, network, sipp, tmp_path):
    _, password = _ext("301")
    with carrier(network, CARRIER_A, tmp_path) as a:
        with_csp = sipp.call("301", password, "0211133334444", hold_seconds=0.2)
        assert with_csp.ok, str(with_csp)
        without_csp = sipp.call("301", password, "01133334444", hold_seconds=0.2)
        assert without_csp.ok, str(without_csp)
        invites = wait_for(lambda: len(_invites(a)) >= 2 and _invites(a))
    assert [_request_user(invite) for invite in invites] == ["0211133334444", "0211133334444"]
    assert [_from_user(invite) for invite in invites] == ["+551133334444", "+551133334444"]
    assert [_asserted_user(invite) for invite in invites] == ["+551133334444", "+551133334444"]
    # The call records keep the number as dialled (the route's checks return before Dial).
    records = CallRecord.select().where(CallRecord.src == "301")
    assert wait_for(lambda: cdr.ingest(pbx) is not None and {r.dst for r in records} >= {"0211133334444",
                                                                                          "01133334444"})


def test_the_extension_caller_id_wins_over_the_trunk_default(network, sipp, tmp_path):
    _, password = _ext("302", external_callerid="+55 11 4000-4002")
    with carrier(network, CARRIER_A, tmp_path) as a:
        assert sipp.call("302", password, "33335555", hold_seconds=0.2).ok  # local fixed, area 11
        invite = wait_for(lambda: _invites(a))[0]
    assert _request_user(invite) == "0211133335555"
    assert _from_user(invite) == "+551140004002"


def test_an_internal_only_extension_never_reaches_the_carrier(network, sipp, tmp_path):
    _, password = _ext("303", profile=network["internal"])
    with carrier(network, CARRIER_A, tmp_path) as a, carrier(network, CARRIER_B, tmp_path) as b:
        refused = sipp.call("303", password, "0211133334444", expect_status=403)
        assert refused.ok, str(refused)
        emergency = sipp.call("303", password, "190", hold_seconds=0.2)
        assert emergency.ok, str(emergency)
        visitor = sipp.call("303", password, "112", hold_seconds=0.2)
        assert visitor.ok, str(visitor)
        invites = wait_for(lambda: len(_invites(a)) >= 2 and _invites(a))
    assert [_request_user(invite) for invite in invites] == ["190", "190"]  # 112 goes out as 190
    assert not _invites(b)


def test_a_trunk_answering_503_fails_over_to_the_next(network, sipp, tmp_path):
    _, password = _ext("301")
    with carrier(network, CARRIER_A, tmp_path, status=503) as a, carrier(network, CARRIER_B, tmp_path) as b:
        answered = sipp.call("301", password, "011987654321", hold_seconds=0.2)
        assert answered.ok, str(answered)
        invite = wait_for(lambda: _invites(b))[0]
    assert _invites(a)
    assert _request_user(invite) == "+5511987654321"  # carrier B wants E.164
    # Neither B, the route nor 301 has an outside caller ID: the phone's own number goes, unchanged.
    assert _from_user(invite) == "301"


def test_a_trunk_at_its_channel_limit_sends_the_next_call_to_the_next_trunk(network, sipp, tmp_path):
    _, first = _ext("304")
    _, second = _ext("305")
    with carrier(network, CARRIER_A, tmp_path) as a, carrier(network, CARRIER_B, tmp_path) as b:
        box = {}
        holding = threading.Thread(target=lambda: box.setdefault(
            "call", sipp.call("304", first, "33336666", hold_seconds=4)))
        holding.start()
        assert wait_for(lambda: _invites(a))
        assert sipp.call("305", second, "33337777", hold_seconds=0.2).ok
        holding.join()
        assert box["call"].ok, box["call"]
    assert [_request_user(invite) for invite in _invites(a)] == ["0211133336666"]  # max_channels 1
    assert [_request_user(invite) for invite in _invites(b)] == ["+551133337777"]


def test_a_forward_to_a_mobile_leaves_through_the_forwarding_extension_profile(network, sipp, tmp_path):
    _, caller = _ext("306")
    forwarding, _ = _ext("307")
    internal_only, _ = _ext("308", profile=network["internal"])
    for extension in (forwarding, internal_only):
        settings = extension_settings.current(extension)
        settings.forward_always = "+5511987650000"
        extension_settings.update(extension.id, settings, ADMIN)
    with carrier(network, CARRIER_A, tmp_path) as a:
        forwarded = sipp.call("306", caller, "307", hold_seconds=0.2)
        assert forwarded.ok, str(forwarded)
        refused = sipp.call("306", caller, "308", expect_status=403)
        assert refused.ok, str(refused)
        invites = wait_for(lambda: _invites(a))
    assert [_request_user(invite) for invite in invites] == ["02111987650000"]  # only 307's forward


def _burst(sipp, user, password, number, calls=100, rate=25, hold_ms=2000):
    """Place ``calls`` attempts to ``number`` as ``user`` at ``rate`` a second, all at once if they last."""
    scenario = sipp._scenario("uac_call_or_refused.xml", hold_ms=hold_ms)
    cmd, run_dir = sipp._command(scenario, port=free_port(), service=number, auth=(user, password),
                                 keys={"from_user": user}, calls=calls, timeout=120,
                                 extra=["-r", str(rate), "-l", str(calls)])
    cmd.remove("-trace_msg")
    return sipp._run(cmd, run_dir, timeout=120)


@pytest.fixture
def alerts(pbx):
    """A real SMTP server the cap alerts go to, an admin who reads them, and the daemon's event handler."""
    smtp = SmtpServer().start()
    mail.save_settings(mail.MailSettingsInput("127.0.0.1", smtp.port, "none", "", "", "pbx@example.com"), ADMIN)
    if not User.select().where(User.username == "chefe").exists():
        users.create(users.UserInput("chefe", "a-long-admin-passphrase", email="chefe@example.com", role="admin",
                                     language="en"),
                     ADMIN)
    events = AmiEvents(AmiSettings.for_engine(pbx.settings), on_event=daemon.on_engine_event).start()
    assert events.wait_connected(10)
    try:
        yield smtp
    finally:
        events.stop()
        smtp.stop()


def test_a_stolen_password_bursting_100_international_calls(network, sipp, tmp_path, alerts, capsys):
    number = "0021" + "12125550100"  # 00 + CSP 21 + +1 212 555 0100
    _, default_pw = _ext("310")
    with carrier(network, CARRIER_A, tmp_path / "default") as a, \
            carrier(network, CARRIER_B, tmp_path / "default") as b:
        burst = _burst(sipp, "310", default_pw, number)
        assert burst.ok, str(burst)
        default_reached = len(_invites(a)) + len(_invites(b))
    assert default_reached == 0

    _, intl_pw = _ext("311", profile=network["international"])  # 2 outside calls at once, 60 min a day
    with carrier(network, CARRIER_A, tmp_path / "intl") as a, carrier(network, CARRIER_B, tmp_path / "intl") as b:
        burst = _burst(sipp, "311", intl_pw, number)
        assert burst.ok, str(burst)
        capped = _invites(a) + _invites(b)
    # More than 5 international attempts in 10 minutes lock international for the day (velocity).
    assert 1 <= len(capped) <= 5, len(capped)
    assert {_request_user(invite) for invite in capped} <= {"00211" + "2125550100", "+12125550100"}
    mails = wait_for(lambda: [m for m in alerts.messages if "311" in m[2]["Subject"]])
    subjects = [m[2]["Subject"] for m in mails]
    assert any("international attempts" in subject for subject in subjects), subjects
    assert len(subjects) == len(set(subjects))  # one alert per cap tripped, however many calls it refused
    assert mails[0][1] == ["chefe@example.com"]
    with carrier(network, CARRIER_A, tmp_path / "locked") as a:
        assert sipp.call("311", intl_pw, number, expect_status=403).ok  # still locked
        assert not _invites(a)

    # The daemon's counter from today's call records (here: an hour already used) closes international for today.
    _, used_pw = _ext("313", profile=network["international"])
    CallRecord.create(calldate=datetime.datetime.utcnow(), src="313", dst=number, billsec=3600, duration=3600,
                      disposition="ANSWERED", uniqueid="fraud-1", linkedid="fraud-1", sequence=1,
                      userfield="out:313:international")
    outbound_caps.publish_international_minutes("America/Sao_Paulo")
    with carrier(network, CARRIER_A, tmp_path / "minutes") as a, \
            carrier(network, CARRIER_B, tmp_path / "minutes") as b:
        refused = sipp.call("313", used_pw, number, expect_status=403)
        assert refused.ok, str(refused)
        assert sipp.call("313", used_pw, "01133334444", hold_seconds=0.2).ok  # national still goes out
        assert [_request_user(invite) for invite in _invites(a)] == ["0211133334444"]
        assert not _invites(b)
    minutes = wait_for(lambda: [m for m in alerts.messages if "313" in m[2]["Subject"]])
    assert len(minutes) == 1 and "international minutes" in minutes[0][2]["Subject"]
    with capsys.disabled():
        print(f"\nfraud burst of 100 international attempts: default profile {default_reached} reached the carrier;"
              f" international profile (2 at once, 60 min/day, velocity lock) {len(capped)}")


def test_a_ring_group_sends_unanswered_calls_to_an_outside_number_with_the_default_profile(network, sipp, tmp_path):
    _, caller = _ext("312", profile=network["internal"])  # the caller's own profile does not matter here
    groups.save_ring_group(groups.RingGroupInput("650", "Plantão", ring_seconds=5,
                                                 destination="external:+5511987651111", members=["301"]), ADMIN)
    with carrier(network, CARRIER_A, tmp_path) as a:
        answered = sipp.call("312", caller, "650", hold_seconds=0.2)  # 301 has no phone registered: straight out
        assert answered.ok, str(answered)
        invite = wait_for(lambda: _invites(a))[0]
    assert _request_user(invite) == "02111987651111"


def test_a_trunk_qualify_finds_unreachable_is_skipped(pbx, network, sipp, tmp_path):
    # Nothing listens on 127.0.0.4: its OPTIONS go unanswered and the trunk becomes unreachable.
    dead = trunks.save_trunk(trunks.TrunkInput(name="Carrier C", host="127.0.0.4", kind="ip", port=free_port(),
                                               qualify_seconds=1), ADMIN)
    route = outbound_routes.save_route(outbound_routes.RouteInput("Teste", "national", [
        outbound_routes.PatternInput("0ZZ[2-5]XXXXXXX", 1, "+55")], [dead.id, network["a"].id]), ADMIN)
    outbound_routes.reorder([route.id] + [r.id for r in outbound_routes.list_routes() if r.id != route.id], ADMIN)
    _, password = _ext("301")
    try:
        assert wait_for(lambda: "Unavail" in pbx.cli(f"pjsip show contacts {dead.endpoint}"), timeout=20), \
            pbx.cli("pjsip show contacts")
        with carrier(network, CARRIER_A, tmp_path) as a:
            answered = sipp.call("301", password, "01133335555", hold_seconds=0.2)
            assert answered.ok, str(answered)
            invite = wait_for(lambda: _invites(a))[0]
        assert _request_user(invite) == "0211133335555"  # through A, the route's second trunk
    finally:
        outbound_routes.delete_route(route.id, ADMIN)
        trunks.delete_trunk(dead.id, ADMIN)
