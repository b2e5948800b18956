"""Fixtures for tests against a real Asterisk: one engine per test session.

The engine's devices come from the ``engine_devices`` fixture. Today it
returns a fixed list; to drive the engine from the app's database instead,
override ``engine_devices`` (e.g. in a conftest.py nearer the tests) to
return the devices collected from the database. Everything else here stays
the same.
"""
import os
import shutil

import pytest

from appliance.asterisk.confgen import EngineInput, SipDevice, endpoint_rows, render_all
from appliance.asterisk.engine import Engine
from appliance.asterisk.realtime import sync_rows
from tests.engine.sipp import SIPP, Sipp
from tests.pbx import app_with_engine
from tests.pbx import engine_settings as fresh_engine_settings

#: Devices every engine test may rely on. 203 exists for tests that change it.
DEFAULT_DEVICES = (
    SipDevice("201", "secret-201", "201", "Alice"),
    SipDevice("202", "secret-202", "202", "Bob"),
    SipDevice("203", "secret-203", "203", "Carol"),
    SipDevice("204", "secret-204", "204", "Dave desk"),
    SipDevice("204m", "secret-204m", "204", "Dave mobile"),
)


@pytest.fixture(scope="session")
def engine_devices():
    """Return the devices the session's engine is configured with."""
    return list(DEFAULT_DEVICES)


@pytest.fixture(scope="session")
def engine_settings():
    """Return settings for a fresh instance on free loopback ports in the cached engine root."""
    if os.geteuid() != 0:
        pytest.skip("engine tests run Asterisk in a chroot: root required")
    if not os.access(SIPP, os.X_OK):
        pytest.skip("sipp is not installed (apt-get install sip-tester)")
    return fresh_engine_settings()


def _sync(engine, devices):
    rows = endpoint_rows(devices, engine.settings.media_address)
    return sync_rows(engine.host_path(engine.settings.realtime_db), rows)


@pytest.fixture(scope="session")
def engine(engine_settings, engine_devices):
    """Start Asterisk for the session with ``engine_devices``; stop it by PID and remove its files."""
    eng = Engine(engine_settings)
    instance = eng.host_path(eng.instance_dir)
    eng.create_dirs()
    try:
        for name, text in render_all(EngineInput(engine_settings, tuple(engine_devices))).items():
            eng.write_file(name, text)
        _sync(eng, engine_devices)
        eng.start()
        yield eng
    finally:
        eng.stop()
        shutil.rmtree(instance, ignore_errors=True)


@pytest.fixture
def sync_devices(engine):
    """Return a function storing a device list as the engine's realtime rows (changed ids per table)."""
    return lambda devices: _sync(engine, devices)


@pytest.fixture
def sipp(engine, tmp_path):
    """Return SIPp helpers aimed at the session engine's SIP port."""
    return Sipp(engine.settings.sip_port, workdir=tmp_path)


@pytest.fixture(scope="module")
def pbx(tmp_path_factory):
    """An app database driving its own Asterisk instance, one per test module (the path `make run` takes).

    Modules that use it override ``sipp`` to aim at it.
    """
    with app_with_engine(tmp_path_factory.mktemp("pbx")) as engine:
        yield engine
