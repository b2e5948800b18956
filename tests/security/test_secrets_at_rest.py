"""Secrets at rest (issue 9, finding 9): VAR_DIR private whoever writes it; no AMI secret in kept generations.

Before: the database (SIP and phone passwords, provisioning tokens, voicemail PINs, the SMTP
password) was 0644 in a 0755 folder, readable by every local account, and each kept
configuration generation held the AMI secret, shown in clear on the System page.
"""
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from appliance import db, migrations, process_users
from appliance.asterisk import apply, confgen
from appliance.asterisk.ami import Ami, AmiSettings
from appliance.asterisk.engine import Engine, EngineSettings
from appliance.models.engine import EngineGeneration
from web import create_app

CLI = Path(sys.executable).parent / "centralina"
NOBODY = process_users.ProcessUser("nobody", 65534, 65534, "/nonexistent", (65534,))


def _cli(var_dir, *args):
    env = {**os.environ, "CENTRALINA_VAR_DIR": str(var_dir), "CENTRALINA_CONFIG_DIR": str(var_dir / "etc")}
    return subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True, timeout=60)


def _modes(var_dir):
    return {str(path.relative_to(var_dir)): path.stat().st_mode & 0o7777 for path in [var_dir, *var_dir.rglob("*")]}


def _assert_private(var_dir):
    for name, mode in _modes(var_dir).items():
        expected = 0o700 if (var_dir / name).is_dir() else 0o600
        assert mode == expected, (name, oct(mode))


def test_the_cli_creates_a_private_var_dir_that_another_user_cannot_read(tmp_path):
    var_dir = tmp_path / "var"
    assert _cli(var_dir, "db", "upgrade").returncode == 0
    done = _cli(var_dir, "admin", "create", "ana", "--password", "Correct-Horse-42")
    assert done.returncode == 0, done.stderr

    _assert_private(var_dir)
    assert {"centralina.db", "secret_key"} <= set(_modes(var_dir))
    if os.geteuid() == 0:  # the attack: another local account opens the database
        os.chmod(tmp_path, 0o755)
        read = subprocess.run(process_users.as_user(["cat", str(var_dir / "centralina.db")], NOBODY),
                              capture_output=True, timeout=10)
        assert read.returncode != 0 and not read.stdout
        assert b"Permission denied" in read.stderr


def test_an_older_installation_is_made_private_at_start(tmp_path):
    var_dir = tmp_path / "var"
    assert _cli(var_dir, "db", "upgrade").returncode == 0
    for path, mode in ((var_dir, 0o755), (var_dir / "centralina.db", 0o644), (var_dir / "secret_key", 0o644)):
        os.chmod(path, mode)
    (var_dir / "uploads").mkdir(mode=0o755)
    (var_dir / "uploads" / "contacts.vcf").write_text("BEGIN:VCARD\n")
    os.chmod(var_dir / "uploads" / "contacts.vcf", 0o644)

    assert _cli(var_dir, "db", "version").returncode == 0

    _assert_private(var_dir)


def test_the_web_app_writes_private_files_whatever_umask_it_was_started_with(tmp_path):
    var_dir = tmp_path / "var"
    previous = os.umask(0o022)  # a service manager's usual default
    try:
        create_app({"TESTING": True, "VAR_DIR": str(var_dir), "ENGINE_ENABLED": False})
        migrations.upgrade(db.database.obj)
    finally:
        db.close()
        os.umask(previous)
    _assert_private(var_dir)
    assert {"centralina.db", "secret_key"} <= set(_modes(var_dir))


@pytest.fixture
def stopped_engine(tmp_path):
    """An engine whose Asterisk is not running: applies write files and record generations."""
    engine = Engine(EngineSettings(engine_root=tmp_path / "root", instance="secrets",
                                   ami_secret="control-secret-0123456789", ami_calls_secret="calls-secret-0123456789"))
    engine.create_dirs()
    return engine


def _generations(stopped_engine):
    files = confgen.render_all(confgen.EngineInput(stopped_engine.settings))
    apply.apply(stopped_engine, files)
    apply.apply(stopped_engine, {**files, "extensions.conf": files["extensions.conf"] + "; changed\n"})
    assert apply.latest_generation().number == 2


def test_kept_generations_and_the_system_page_show_no_ami_secret(app, auth, client, stopped_engine):
    secrets = confgen.file_secrets(stopped_engine.settings).values()
    with app.app_context():
        _generations(stopped_engine)
    manager_conf = stopped_engine.host_path(stopped_engine.instance_dir / "etc" / "manager.conf").read_text()
    assert all(secret in manager_conf for secret in secrets)  # Asterisk's own file keeps them

    with sqlite3.connect(Path(app.config["VAR_DIR"]) / "test.db") as raw:
        stored = " ".join(row[0] for row in raw.execute("SELECT files FROM engine_generations"))
    auth.login()
    pages = [client.get(url).get_data(as_text=True) for url in (
        "/admin/system", "/admin/system/generations/1", "/admin/system/generations/2",
        "/admin/system/generations/2?against=1")]

    for text in (stored, *pages):
        assert not any(secret in text for secret in secrets)
    assert "&lt;redacted:ami_secret&gt;" in pages[1] and "&lt;redacted:ami_calls_secret&gt;" in pages[1]


def test_a_rollback_writes_the_secrets_of_today_back(database, stopped_engine):
    _generations(stopped_engine)
    assert "<redacted:ami_secret>" in EngineGeneration.get(number=1).file_map()["manager.conf"]

    result = apply.restore_generation(stopped_engine, 1)

    assert result.changed == ["extensions.conf"]  # manager.conf as it runs: nothing to write
    manager_conf = stopped_engine.host_path(stopped_engine.instance_dir / "etc" / "manager.conf").read_text()
    assert "redacted" not in manager_conf
    assert f"secret = {stopped_engine.settings.ami_secret}\n" in manager_conf
    assert f"secret = {stopped_engine.settings.ami_calls_secret}\n" in manager_conf


def test_a_stored_secret_mark_nobody_knows_stops_the_rollback(database, stopped_engine):
    _generations(stopped_engine)
    generation = EngineGeneration.get(number=1)
    files = generation.file_map()
    files["manager.conf"] += "secret = <redacted:trunk_password>\n"
    EngineGeneration.update(files=json.dumps(files)).where(EngineGeneration.id == generation.id).execute()

    with pytest.raises(apply.ApplyError, match="no longer knows"):
        apply.restore_generation(stopped_engine, 1)


def test_generations_kept_before_the_upgrade_lose_their_secret(tmp_path):
    handle = db.init(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        migrations.upgrade(handle, target=7)
        files = {"manager.conf": "[general]\nenabled = yes\n\n[centralina]\nsecret = Old-Secret-0123456789abcd\n"
                                 "read = system\n", "extensions.conf": "[internal]\n"}
        handle.execute_sql("INSERT INTO engine_generations (number, created_at, status, files, changed, "
                           "restart_needed, error, duration_ms) VALUES (1, '2026-01-01', 'applied', ?, '[]', '[]', "
                           "'', 0)", (json.dumps(files),))

        migrations.upgrade(handle)

        stored = json.loads(handle.execute_sql("SELECT files FROM engine_generations").fetchone()[0])
    finally:
        db.close()
    assert "Old-Secret" not in json.dumps(stored)
    assert "secret = <redacted:ami_secret>\nread = system\n" in stored["manager.conf"]
    assert stored["extensions.conf"] == "[internal]\n"


@pytest.mark.engine
def test_a_rollback_on_a_running_asterisk_keeps_both_ami_logins_working(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("the engine runs in a chroot: root required")
    from tests.pbx import installation

    with installation(tmp_path) as (_, engine):
        first = apply.latest_generation().number
        files = apply.unredact(apply.get_generation(first).file_map(), engine.settings)
        apply.apply(engine, {**files, "extensions.conf": files["extensions.conf"] + "; changed\n"})
        assert apply.latest_generation().number == first + 1

        result = apply.restore_generation(engine, first)

        # Only a comment differs: nothing to reload, not even the dialplan (decision 033).
        assert result.generation == first + 2 and result.reloaded == []
        for login in (AmiSettings.for_engine(engine.settings), AmiSettings.for_calls(engine.settings)):
            with Ami(login):
                pass  # logged in with today's secret
