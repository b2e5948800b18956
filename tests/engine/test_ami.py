"""The AMI adapter against the session's real Asterisk."""
import time

import pytest

from appliance.asterisk.ami import Ami, AmiActionFailed, AmiEvents, AmiSettings, ReloadFailed
from appliance.asterisk.confgen.manager import AMI_WRITE
from tests.engine.sipp import free_port
from tests.waiting import wait_for


@pytest.fixture
def ami(engine):
    """A logged-in AMI session on the session's engine."""
    with Ami(AmiSettings.for_engine(engine.settings)) as session:
        yield session


def test_ping_answers(ami):
    ami.ping()


def test_a_session_idle_past_its_read_timeout_stays_usable(engine):
    settings = AmiSettings.for_engine(engine.settings)
    settings = AmiSettings(settings.host, settings.port, settings.username, settings.secret, timeout=0.5)
    with Ami(settings) as session:
        time.sleep(1.5)  # three read timeouts with nothing to read
        assert session.connected()
        session.ping()


def test_core_status_reports_the_running_version(ami):
    assert ami.core_status()["AsteriskVersion"].startswith("22.")


def test_command_runs_only_with_the_command_permission(ami):
    if "command" in AMI_WRITE:
        assert "Asterisk 22." in ami.command("core show version")
    else:
        with pytest.raises(AmiActionFailed, match="Permission denied"):
            ami.command("core show version")


def test_astdb_values_round_trip(ami):
    ami.db_put("CFWD", "201", "5551234 x")
    try:
        assert ami.db_get("CFWD", "201") == "5551234 x"
    finally:
        ami.db_del("CFWD", "201")
    assert ami.db_get("CFWD", "201") is None
    ami.db_del("CFWD", "201")  # deleting what is gone is fine


def test_a_long_list_is_read_whole(ami):
    """A list action's items come as events; pystrix used to pause 20 ms after each, so 300 keys
    outlasted the list's 5 s timeout ("the list did not end in time")."""
    keys = {str(7000 + i): f"value {i}" for i in range(300)}
    try:
        for key, value in keys.items():
            ami.db_put("CNLONG", key, value)
        assert ami.db_tree("CNLONG") == keys
    finally:
        for key in keys:
            ami.db_del("CNLONG", key)


def test_reload_reports_asterisk_refusals(ami):
    ami.reload_module("pbx_config.so")
    with pytest.raises(ReloadFailed, match="No such module"):
        ami.reload_module("res_no_such_module.so")
    with pytest.raises(ReloadFailed, match="does not support reload"):
        ami.reload_module("app_dial.so")


def test_registered_device_is_listed_among_contacts(ami, sipp):
    port = free_port()
    assert sipp.register("203", "secret-203", port=port).ok
    try:
        contacts = ami.pjsip_show_contacts()
    finally:
        sipp.register("203", "secret-203", port=port, expires=0)
    assert any(c["Endpoint"] == "203" and c["Uri"] == f"sip:203@127.0.0.1:{port}" for c in contacts), contacts


def test_originate_rings_an_answering_device_and_hangup_ends_it(ami, engine, sipp):
    with sipp.uas("202", "secret-202") as uas, Ami(AmiSettings.for_calls(engine.settings)) as calls:
        action_id = calls.originate("PJSIP/202", "*43", "internal", caller_id='"Click to call" <201>',
                                    variables={"CENTRALINA_ORIGIN": "test"}, timeout=10)
        channels = wait_for(lambda: [c for c in ami.core_show_channels()
                                     if c["Channel"].startswith("PJSIP/202-") and c["Application"] == "Echo"])
        assert channels, "the answered call never reached Echo() at *43"
        ami.hangup(channels[0]["Channel"])
        answered = uas.wait()
    assert action_id
    assert answered.ok, str(answered)
    assert '"Click to call" <sip:201@' in answered.received_requests("INVITE")[0]
    assert wait_for(lambda: not ami.core_show_channels(), timeout=5)
    with pytest.raises(AmiActionFailed, match="No such channel"):
        ami.hangup(channels[0]["Channel"])


def test_event_stream_comes_back_after_asterisk_restarts(engine):
    events, logins = [], []
    stream = AmiEvents(AmiSettings.for_engine(engine.settings), events.append,
                       on_connect=lambda: logins.append(time.monotonic()), backoff=(0.2, 1.0)).start()
    try:
        assert stream.wait_connected(10)
        engine.stop()
        assert wait_for(lambda: not stream.connected.is_set(), timeout=10), "the stream missed the shutdown"
        engine.start()
        assert wait_for(lambda: len(logins) == 2, timeout=20), "the stream did not log in again"
        with Ami(AmiSettings.for_engine(engine.settings)) as session:
            session.reload_module("pbx_config.so")
        assert wait_for(lambda: [e for e in events if e.get("Event") == "Reload"
                                 and e.get("Module") == "pbx_config.so"], timeout=5)
    finally:
        stream.stop()
    assert any(e.get("Event") == "Shutdown" for e in events)
