"""Least privilege (issue 9, finding 10), tried on `centralina run` as root: who each process is, what it may do.

Before: everything ran as root, and the one AMI user had ``system`` and ``originate``, so an
AMI login was a root shell (Originate into System()). Now web, provisioning and the daemon
run as ``centralina`` (the daemon with CAP_NET_ADMIN only), Asterisk as the engine root's
``asterisk``, and the AMI logins are split so neither is a shell.
"""
import os
import pwd
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from appliance import process_users
from appliance.asterisk import ami as ami_module
from appliance.asterisk import engine_root
from appliance.asterisk.confgen import manager
from tests.engine.sipp import SIPP, Sipp
from tests.security.appliance import descendants, proc_status, running_appliance, wait_for

pytestmark = pytest.mark.engine
CAP_NET_ADMIN = 1 << 12


@pytest.fixture(scope="module")
def appliance():
    if os.geteuid() != 0:
        pytest.skip("the supervisor drops privileges only when started as root")
    if not os.access(SIPP, os.X_OK):
        pytest.skip("sipp is not installed (apt-get install sip-tester)")
    with running_appliance() as running:
        yield running


@pytest.fixture
def app_user(appliance):
    engine = appliance.engine
    return process_users.ensure_app_user(appliance.conf["APP_USER"], engine.account()[1])


def _ids(pid):
    status = proc_status(pid)
    return {int(uid) for uid in status["Uid"].split()}, {int(gid) for gid in status["Gid"].split()}


def test_web_provisioning_the_daemon_and_the_voicebot_run_as_the_app_user(appliance):
    user = pwd.getpwnam("centralina")
    for name in ("web", "provisioning", "daemon", "voicebot"):
        pid = appliance.pid(name)
        if name not in ("daemon", "voicebot"):  # gunicorn's workers too, once its master has forked them
            assert wait_for(lambda pid=pid: descendants(pid), timeout=20), f"{name} has no workers"
        family = [pid, *descendants(pid)]
        for member in family:
            uids, gids = _ids(member)
            assert uids == {user.pw_uid}, (name, member, uids)  # real, effective, saved, filesystem
            assert gids == {user.pw_gid}, (name, member, gids)
            assert proc_status(member)["NoNewPrivs"] == "1"


def test_only_the_daemon_keeps_a_capability_and_it_is_net_admin(appliance):
    for name in ("web", "provisioning", "voicebot"):
        status = proc_status(appliance.pid(name))
        assert int(status["CapEff"], 16) == int(status["CapPrm"], 16) == int(status["CapBnd"], 16) == 0, name
    daemon = proc_status(appliance.pid("daemon"))
    # Ambient: the nft the daemon runs for the block lists gets it too; the bounding set keeps it the only one.
    for field in ("CapEff", "CapPrm", "CapAmb", "CapBnd"):
        assert int(daemon[field], 16) == CAP_NET_ADMIN, (field, daemon[field])


def test_asterisk_runs_as_the_engine_roots_asterisk_user(appliance):
    uid, gid = engine_root.account(appliance.conf["ENGINE_ROOT"], "asterisk")
    uids, gids = _ids(appliance.pid("asterisk"))
    assert uids == {uid} and gids == {gid}
    assert uid != 0 and gid != 0


def test_the_app_user_cannot_use_asterisks_cli_socket(appliance, app_user):
    # The control socket is a whole CLI (originate to System(), module load): the app's user, a
    # member of Asterisk's group, must be refused there as anyone else is, and speak AMI instead.
    ctl = appliance.engine.host_path(appliance.engine.instance_dir / "run" / "asterisk.ctl")
    probe = (f"import socket; s = socket.socket(socket.AF_UNIX); s.connect({str(ctl)!r}); "
             "print('CONNECTED', s.recv(200))")
    done = subprocess.run(process_users.as_user([sys.executable, "-c", probe], app_user),
                          capture_output=True, text=True, timeout=20)
    assert "CONNECTED" not in done.stdout
    assert "PermissionError" in done.stderr, done.stderr


def _ami(port, username, secret, action):
    """Log in to AMI as ``username``, send ``action`` ({header: value}); return Asterisk's reply to it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        reader = sock.makefile("rb")
        reader.readline()  # the banner

        def send(headers, action_id):
            lines = [f"{key}: {value}" for key, value in {**headers, "ActionID": action_id}.items()]
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            while True:
                block = []
                while (line := reader.readline().decode().rstrip("\r\n")) != "":
                    block.append(line)
                if f"ActionID: {action_id}" in block:
                    return "\n".join(block)

        login = send({"Action": "Login", "Username": username, "Secret": secret, "Events": "off"}, "login")
        assert "Response: Success" in login, login
        return send(action, "attack")


def test_the_calls_user_cannot_originate_into_a_shell(appliance, tmp_path):
    settings = appliance.engine.settings
    marker = Path("/tmp") / f"centralina-pwned-{os.getpid()}"
    attempts = [
        {"Application": "System", "Data": f"touch {marker}"},
        {"Application": "Exec", "Data": f"System(touch {marker})"},
        {"Application": "NoOp", "Data": f"${{SHELL(touch {marker})}}"},
    ]
    for attempt in attempts:
        reply = _ami(settings.ami_port, settings.ami_calls_username, settings.ami_calls_secret,
                     {"Action": "Originate", "Channel": "Local/s@centralina-nowhere", "Async": "true", **attempt})
        assert "Response: Error" in reply, (attempt, reply)
        assert "Originate Access Forbidden" in reply, reply
    assert not marker.exists()
    # Nothing else either: it may not reload, write AstDB or run CLI commands.
    for action in ({"Action": "Reload"}, {"Action": "DBPut", "Family": "x", "Key": "y", "Val": "z"},
                   {"Action": "Command", "Command": "core show version"}):
        reply = _ami(settings.ami_port, settings.ami_calls_username, settings.ami_calls_secret, action)
        assert "Permission denied" in reply, (action, reply)


def test_the_engine_control_user_cannot_originate_at_all(appliance):
    settings = appliance.engine.settings
    for attempt in ({"Exten": "201", "Context": "internal", "Priority": "1"},
                    {"Application": "System", "Data": "id"}):
        reply = _ami(settings.ami_port, settings.ami_username, settings.ami_secret,
                     {"Action": "Originate", "Channel": "Local/s@centralina-nowhere", **attempt})
        assert "Permission denied" in reply, reply
    reply = _ami(settings.ami_port, settings.ami_username, settings.ami_secret,
                 {"Action": "Command", "Command": "core show version"})
    assert "Permission denied" in reply, reply
    asterisk_conf = appliance.engine.host_path(settings.asterisk_conf).read_text()
    assert "live_dangerously = no" in asterisk_conf


def test_another_local_user_reads_no_secret(appliance):
    engine = appliance.engine
    secret_files = [
        Path(appliance.conf["VAR_DIR"]) / "centralina.db",  # SIP and phone passwords, tokens, PINs, SMTP
        Path(appliance.conf["VAR_DIR"]) / "ami_secret",
        engine.host_path(engine.settings.realtime_db),  # SIP passwords and PINs as Asterisk reads them
        engine.host_path(engine.instance_dir / "etc" / "manager.conf"),
    ]
    nobody = process_users.ProcessUser("nobody", 65534, 65534, "/nonexistent", (65534,))
    for path in secret_files:
        done = subprocess.run(process_users.as_user(["cat", str(path)], nobody), capture_output=True, timeout=10)
        assert done.returncode != 0 and not done.stdout, path
        assert b"Permission denied" in done.stderr, (path, done.stderr)


def test_the_var_dir_is_the_app_users_alone(appliance):
    user = pwd.getpwnam("centralina")
    var_dir = Path(appliance.conf["VAR_DIR"])
    assert wait_for(lambda: (var_dir / "daemon.lock").exists())
    entries = [var_dir, *var_dir.rglob("*")]
    for path in entries:
        info = path.lstat()
        assert (info.st_uid, info.st_gid) == (user.pw_uid, user.pw_gid), path
        expected = 0o700 if path.is_dir() else 0o600
        assert info.st_mode & 0o7777 == expected, (path, oct(info.st_mode))


def test_a_change_applied_by_the_app_user_reaches_asterisk(appliance, app_user, tmp_path):
    # What a web worker does after a commit, as the user it runs as: realtime rows and a
    # dialplan line written into the engine's folder, and a reload through AMI.
    script = (
        "from appliance import db, settings\n"
        "from appliance.services import Actor, engine_sync, extensions\n"
        "conf = settings.load()\n"
        "db.init(conf['DATABASE_URL'])\n"
        "engine_sync.configure_from_settings(conf)\n"
        "extension, _ = extensions.create(extensions.ExtensionInput('451', 'Lia'), Actor.system('test'))\n"
        "print(extension.devices[0].sip_password)\n"
    )
    done = subprocess.run(process_users.as_user([sys.executable, "-c", script], app_user), capture_output=True,
                          text=True, timeout=60, env=process_users.environment(app_user, appliance.env))
    assert done.returncode == 0, done.stderr
    password = done.stdout.split()[-1]
    sipp = Sipp(appliance.conf["SIP_PORT"], workdir=tmp_path)
    assert sipp.register("451", password).ok
    assert sipp.call("451", password, "*43", hold_seconds=0.2).ok  # the reloaded dialplan answers
    assert "restarting" not in appliance.output()


def test_the_engine_control_user_cannot_load_a_module_that_runs_programs(appliance):
    # ModuleLoad is of class system, which reloads need. Loading app_system.so and adding a
    # System() extension (DialplanExtensionAdd, class system too) would be a shell at the next call.
    settings = appliance.engine.settings
    for module in ("app_system.so", "func_shell.so", "res_agi.so", "../modules/app_system.so"):
        reply = _ami(settings.ami_port, settings.ami_username, settings.ami_secret,
                     {"Action": "ModuleLoad", "Module": module, "LoadType": "load"})
        assert "Response: Error" in reply, (module, reply)
    assert "0 modules loaded" in appliance.engine.cli("module show like app_system")
    # Reloads, what the user is for, still work.
    reply = _ami(settings.ami_port, settings.ami_username, settings.ami_secret,
                 {"Action": "ModuleLoad", "Module": "pbx_config.so", "LoadType": "reload"})
    assert "Response: Success" in reply, reply


def _privileges(engine, action):
    """Return the classes Asterisk lists for ``action`` (None when no loaded module offers it)."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", engine.cli(f"manager show command {action}"))
    found = re.search(r"\[Privilege\]\s*\n\s*(\S+)", text)
    return set(found.group(1).split(",")) - {"all"} if found else None


def test_every_action_the_app_sends_is_granted_to_the_user_that_sends_it_and_no_more(appliance):
    # The adapter's actions (Action("X") and the event lists _list("X")), checked against what
    # this Asterisk says each needs: a new action must fit the engine-control user's classes.
    source = (Path(ami_module.__file__)).read_text()
    actions = set(re.findall(r'(?:Action|_list)\("([A-Za-z]+)"', source)) | {"CoreSettings", "CoreStatus"}
    engine = appliance.engine
    checked = []
    for action in sorted(actions - {"Command", "Originate"}):  # Command: never granted
        needed = _privileges(engine, action)
        if needed is None:
            continue  # its module is not loaded (queues)
        assert needed == {"<none>"} or needed & set(manager.AMI_WRITE), (action, needed)
        checked.append(action)
    assert {"Reload", "DBPut", "PJSIPNotify", "VoicemailMove", "CoreShowChannels"} <= set(checked)
    assert _privileges(engine, "Originate") == set(manager.AMI_CALLS_WRITE) == {"originate"}
    assert "originate" not in manager.AMI_WRITE and "system" not in manager.AMI_CALLS_WRITE
