"""Engine paths, settings and atomic config writes (no Asterisk needed)."""
from pathlib import Path, PurePosixPath

import pytest

from appliance.asterisk.engine import Engine, EngineSettings


def settings(**overrides):
    values = {"engine_root": Path("/var/cache/x/root"), "instance": "dev", "ami_secret": "s" * 20}
    return EngineSettings(**{**values, **overrides})


def test_instance_lives_under_srv_inside_the_root():
    engine = Engine(settings())

    assert engine.instance_dir == PurePosixPath("/srv/centralina/dev")
    assert engine.host_path(engine.settings.cdr_db) == Path("/var/cache/x/root/srv/centralina/dev/cdr/master.db")


def test_appliance_root_has_no_prefix():
    engine = Engine(settings(engine_root=Path("/")))

    assert engine.host_path("/srv/centralina/dev/etc") == Path("/srv/centralina/dev/etc")
    assert engine._command("-rx", "x")[:1] == ["asterisk"]


def test_dev_root_runs_asterisk_through_chroot():
    assert Engine(settings())._command("-f")[:3] == ["chroot", "/var/cache/x/root", "asterisk"]


def test_write_file_replaces_atomically(tmp_path):
    engine = Engine(settings(engine_root=tmp_path))

    engine.write_file("rtp.conf", "old")
    path = engine.write_file("rtp.conf", "new")

    assert path.read_text() == "new"
    assert [p.name for p in path.parent.iterdir()] == ["rtp.conf"]
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("name", ["../x.conf", ".hidden", "a/b.conf"])
def test_write_file_refuses_paths(tmp_path, name):
    with pytest.raises(ValueError):
        Engine(settings(engine_root=tmp_path)).write_file(name, "")


@pytest.mark.parametrize("overrides", [
    {"instance": "Bad Name"}, {"instance": "x" * 40}, {"ami_secret": "short"},
    {"ami_secret": "has;semicolon-0123456789"}, {"rtp_start": 20000, "rtp_end": 10000},
])
def test_settings_reject_values_that_break_config_or_paths(overrides):
    with pytest.raises(ValueError):
        settings(**overrides)


def test_not_running_instance_is_reported_stopped(tmp_path):
    engine = Engine(settings(engine_root=tmp_path))

    assert not engine.is_running()
    engine.stop()  # nothing started: a no-op
