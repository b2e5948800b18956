"""The daemon against a real Asterisk: one per installation, live state published, call records ingested."""
import secrets
import shutil
import threading
import time

import pytest

from appliance import daemon, db, live, migrations, settings
from appliance.asterisk import engine_root
from appliance.asterisk.engine import Engine
from appliance.models.calls import CallRecord
from appliance.services import Actor, engine_sync, extensions
from tests.engine.sipp import Sipp, free_port

pytestmark = pytest.mark.engine


@pytest.fixture
def installation(tmp_path):
    """Settings of an installation whose engine runs on free loopback ports, and that engine, started."""
    (tmp_path / "ami_secret").write_text(secrets.token_urlsafe(24) + "\n")
    rtp = free_port(span=100)
    conf = settings.load(overrides={
        "VAR_DIR": str(tmp_path), "ENGINE_ROOT": str(engine_root.build()),
        "ENGINE_INSTANCE": f"test-{secrets.token_hex(4)}", "SIP_PORT": free_port(), "AMI_PORT": free_port(),
        "ENGINE_HTTP_PORT": free_port(), "RTP_START": rtp, "RTP_END": rtp + 98,
    }, environ={}, config_dir=tmp_path / "etc")
    migrations.upgrade(db.init(conf["DATABASE_URL"]))
    engine = Engine(engine_sync.engine_settings(conf))
    try:
        engine_sync.sync(engine)
        engine.start()
        engine_sync.configure(engine)  # as the web app's process does: its saves reach Asterisk
        yield conf, engine
    finally:
        engine_sync.configure(None)
        engine.stop()
        shutil.rmtree(engine.host_path(engine.instance_dir), ignore_errors=True)
        db.close()


def _wait(check, limit=10.0):
    deadline = time.monotonic() + limit
    while not check() and time.monotonic() < deadline:
        time.sleep(0.1)
    return check()


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
        assert _wait(lambda: [c["endpoint"] for c in live.read(conf["VAR_DIR"]).contacts] == ["701"])

        with sipp.uas("702", bia.sip_password) as uas:
            assert sipp.call("701", ana.sip_password, "702", hold_seconds=0.3).ok
            uas.wait()
        records = CallRecord.select().where((CallRecord.src == "701") & (CallRecord.dst == "702"))
        assert _wait(lambda: records.count() == 1)
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
