"""The engine against a real Asterisk: registration, calls, status, live device edits."""
import re
import socket
import sqlite3
import time
from dataclasses import replace

import pytest

pytestmark = pytest.mark.engine


def test_two_devices_register(sipp):
    first = sipp.register("201", "secret-201")
    second = sipp.register("202", "secret-202")

    assert first.ok, str(first)
    assert second.ok, str(second)
    assert first.statuses[-1] == second.statuses[-1] == 200


def test_device_registers_over_tcp(sipp):
    result = sipp.register("201", "secret-201", transport="tcp")

    assert result.ok, str(result)
    assert result.statuses == [401, 200]


def test_wrong_password_gets_401(sipp):
    result = sipp.register_expect_401("201", "not-the-password")

    assert result.ok, str(result)
    assert result.statuses == [401, 401]


def test_unknown_device_is_refused(sipp):
    result = sipp.register_expect_401("999", "whatever")

    assert result.ok, str(result)


def test_call_between_devices_is_answered(sipp):
    with sipp.uas("202", "secret-202", rtp_echo=True) as uas:
        call = sipp.call("201", "secret-201", "202", hold_seconds=1)
        answered = uas.wait()

    assert call.ok, str(call)
    assert 200 in call.statuses
    assert answered.ok, str(answered)
    assert answered.received_requests("INVITE")


def test_answered_call_is_recorded_in_cdr(engine, sipp):
    with sipp.uas("202", "secret-202") as uas:
        assert sipp.call("201", "secret-201", "202", hold_seconds=1).ok
        uas.wait()

    with sqlite3.connect(engine.host_path(engine.settings.cdr_db)) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM cdr ORDER BY AcctId DESC LIMIT 1").fetchone()
    assert (row["src"], row["dst"], row["disposition"]) == ("201", "202", "ANSWERED")
    assert row["clid"] == '"Alice" <201>'
    assert float(row["end"]) >= float(row["answer"]) > 0


def test_unknown_number_gets_404(sipp):
    result = sipp.call("201", "secret-201", "999", expect_status=404)

    assert result.ok, str(result)


def test_echo_test_receives_dtmf(engine, sipp):
    log = engine.instance_dir / "log" / "dtmf.log"
    engine.cli(f"logger add channel {log} dtmf")
    try:
        result = sipp.call("201", "secret-201", "*43", hold_seconds=0.5, dtmf="15")
        text = engine.host_path(log).read_text()
    finally:
        engine.cli(f"logger remove channel {log}")

    assert result.ok, str(result)
    assert "DTMF end '1' received on PJSIP/201" in text
    assert "DTMF end '5' received on PJSIP/201" in text


def test_status_reports_registered_contacts(engine, sipp):
    before = engine.status()

    with sipp.uas("204", "secret-204"), sipp.uas("204m", "secret-204m"):
        during = engine.status()
    after = engine.status()

    assert during["contacts"] == before["contacts"] + 2
    assert after["contacts"] == before["contacts"]
    assert during["version"].startswith("22.")
    assert during["active_channels"] == 0


def _last_reload(engine):
    """Return when Asterisk last reloaded anything (epoch seconds, 1 s resolution)."""
    uptime = engine.cli("core show uptime seconds")
    return time.time() - int(re.findall(r":\s*(\d+)", uptime)[1])


def test_password_change_is_live_without_reload(engine, engine_devices, sync_devices, sipp):
    edited = [replace(d, password="changed-203") if d.username == "203" else d for d in engine_devices]
    # Other tests of the session reload modules: compare the last reload before and after.
    reloaded_before = _last_reload(engine)
    try:
        changed = sync_devices(edited)
        new_password = sipp.register("203", "changed-203")
        old_password = sipp.register_expect_401("203", "secret-203")
    finally:
        sync_devices(engine_devices)

    assert changed == {"ps_auths": ["203"]}
    assert new_password.ok, str(new_password)
    assert old_password.ok, str(old_password)
    assert abs(_last_reload(engine) - reloaded_before) <= 1.5, "Asterisk was reloaded"


def test_check_sync_notify_reaches_device(engine, sipp):
    result = sipp.expect_notify(
        "202", "secret-202", lambda: engine.cli("pjsip send notify check-sync endpoint 202"), "check-sync")

    assert result.ok, str(result)
    assert [n for n in result.received_requests("NOTIFY") if "Event: check-sync" in n]


def test_ami_accepts_only_the_app_user(engine):
    settings = engine.settings

    def login(secret):
        with socket.create_connection(("127.0.0.1", settings.ami_port), timeout=5) as ami:
            banner = ami.recv(100).decode()
            ami.sendall(f"Action: Login\r\nUsername: {settings.ami_username}\r\n"
                        f"Secret: {secret}\r\n\r\n".encode())
            reply = b""
            while b"\r\n\r\n" not in reply:
                reply += ami.recv(1000)
            return banner, reply.decode()

    banner, accepted = login(settings.ami_secret)
    _, refused = login("wrong-secret-wrong-secret")

    assert banner.startswith("Asterisk Call Manager/")
    assert "Response: Success" in accepted
    assert "Response: Error" in refused


def test_a_declined_message_type_never_reaches_even_a_session_that_asks_for_every_event(engine):
    # stasis.conf (confgen/stasis.py) declines VarSet: with the event re-enabled in manager.conf and a
    # user reading every class, the session sees the channel's UserEvent but never the variable it set.
    from appliance.asterisk.ami import Ami, AmiSettings
    from tests.waiting import wait_for

    manager = engine.host_path(engine.instance_dir / "etc" / "manager.conf").read_text()
    secret = "event-check-secret-0123456789"
    engine.write_file("manager.conf", re.sub(r"(?m)^disabledevents\s*=.*$", "disabledevents = Newexten", manager)
                      + f"\n[eventcheck]\nsecret = {secret}\npermit = 127.0.0.1/255.255.255.255\nread = all\n")
    engine.cli("manager reload")
    for priority, step in enumerate(("Set(CN_STASIS_CHECK=1)", "UserEvent(StasisCheck)", "Hangup()"), start=1):
        engine.cli(f"dialplan add extension check,{priority},{step} into cn-test-stasis replace")
    events = []
    try:
        with Ami(AmiSettings("127.0.0.1", engine.settings.ami_port, "eventcheck", secret), on_event=events.append):
            with Ami(AmiSettings.for_calls(engine.settings)) as calls:
                calls.originate_application("Local/check@cn-test-stasis", "Wait", "1", timeout=5)
            seen = wait_for(lambda: any(e.get("UserEvent") == "StasisCheck" for e in list(events)), timeout=10)
    finally:
        engine.write_file("manager.conf", manager)
        engine.cli("manager reload")
    assert seen, [event.get("Event") for event in events]
    assert [e for e in events if e.get("Event") == "VarSet" and e.get("Variable") == "CN_STASIS_CHECK"] == []
