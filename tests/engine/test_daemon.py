"""The daemon against a real Asterisk: one per installation, live state published, call records ingested."""
import threading
import time

import pytest

from appliance import daemon, live
from appliance.models.call_history import CallRecord
from appliance.services import Actor, extensions
from tests.engine.sipp import Sipp
from tests.pbx import installation as pbx_installation
from tests.waiting import wait_for

pytestmark = pytest.mark.engine


@pytest.fixture
def installation(tmp_path):
    """An installation's settings and its started engine."""
    with pbx_installation(tmp_path) as running:
        yield running


def test_the_daemon_publishes_registrations_and_ingests_call_records(installation, tmp_path):
    conf, engine = installation
    stop = threading.Event()
    thread = threading.Thread(target=daemon.run, args=(conf, stop), daemon=True)
    thread.start()
    try:
        _, ana = extensions.create(extensions.ExtensionInput("701", "Ana"), Actor.system("test"))
        _, bia = extensions.create(extensions.ExtensionInput("702", "Bia"), Actor.system("test"))
        sipp = Sipp(engine.settings.sip_port, workdir=tmp_path / "sipp")
        assert sipp.register("701", ana.sip_password).ok
        assert wait_for(lambda: [c["endpoint"] for c in live.read(conf["VAR_DIR"]).contacts] == ["701"])

        with sipp.uas("702", bia.sip_password) as uas:
            assert sipp.call("701", ana.sip_password, "702", hold_seconds=0.3).ok
            uas.wait()
        records = CallRecord.select().where((CallRecord.src == "701") & (CallRecord.dst == "702"))
        assert wait_for(lambda: records.count() == 1)
        time.sleep(1.5)  # a later ingest pass must not copy it again
        assert records.count() == 1
    finally:
        stop.set()
        thread.join(15)
    assert not thread.is_alive()


def test_a_second_daemon_for_the_same_installation_refuses_to_start(installation):
    conf, _ = installation
    lock = daemon.acquire_lock(conf["VAR_DIR"])
    try:
        with pytest.raises(daemon.AlreadyRunning):
            daemon.run(conf, threading.Event())
    finally:
        lock.close()


def test_the_daemon_fills_the_extension_row_cache_after_connecting(installation):
    from appliance.asterisk import control
    from appliance.asterisk.names import EXTENSION_CACHE_FAMILY, EXTENSION_CACHE_FILLED

    conf, engine = installation
    for number in ("711", "712", "713"):
        extensions.create(extensions.ExtensionInput(number, f"Person {number}"), Actor.system("test"))
    adapter = control.current()
    adapter.clear_extension_cache()  # as a start after a full sync leaves it (decision 047)
    stop = threading.Event()
    thread = threading.Thread(target=daemon.run, args=(conf, stop), daemon=True)
    thread.start()
    try:
        def family():
            with adapter._session() as ami:
                return ami.db_tree(EXTENSION_CACHE_FAMILY)
        filled = wait_for(lambda: EXTENSION_CACHE_FILLED in (tree := family()) and tree, timeout=20)
        assert filled and {"711", "712", "713"} <= set(filled), filled
    finally:
        stop.set()
        thread.join(15)
    assert not thread.is_alive()
