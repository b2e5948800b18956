"""The engine root's cache folder (appliance/asterisk/engine_root.py)."""
import os
import stat

from appliance import permissions
from appliance.asterisk import engine_root


def test_the_cache_folder_is_searchable_by_other_accounts_though_the_command_runs_with_a_private_umask(
        tmp_path, monkeypatch):
    cache = tmp_path / "var" / "cache" / "centralina"
    monkeypatch.setattr(engine_root, "CACHE_DIR", cache)
    previous = permissions.private_umask()
    try:
        engine_root.open_cache_dir()
    finally:
        os.umask(previous)

    assert stat.S_IMODE(cache.stat().st_mode) == 0o755


def test_a_cache_folder_left_private_by_an_earlier_build_is_opened(tmp_path, monkeypatch):
    cache = tmp_path / "centralina"
    cache.mkdir(mode=0o700)
    monkeypatch.setattr(engine_root, "CACHE_DIR", cache)

    engine_root.open_cache_dir()

    assert stat.S_IMODE(cache.stat().st_mode) == 0o755
