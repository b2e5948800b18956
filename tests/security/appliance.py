"""The appliance as `make run` starts it: `centralina run` (the supervisor, as root) on free loopback ports.

VAR_DIR is a fresh folder under /tmp (pytest's own tmp folders are closed to other users,
and the app's user must reach VAR_DIR); the engine instance is a fresh one in the cached
engine root. Everything is stopped by PID and removed afterwards.
"""
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from appliance import supervision
from appliance.asterisk import engine_root
from appliance.asterisk.engine import Engine
from tests import waiting
from tests.engine.sipp import free_port, free_rtp_range

BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin"
CHILDREN = ("asterisk", "web", "provisioning", "daemon")


def wait_for(check, timeout=30.0, step=0.1):
    """Poll ``check`` (an appliance takes longer than one engine: 30 s by default); see tests.waiting."""
    return waiting.wait_for(check, timeout, step)


class Appliance:
    """A running `centralina run`: its settings, its supervisor process and what it publishes."""

    def __init__(self, conf, env, proc, log):
        self.conf = conf
        self.env = env
        self.proc = proc
        self.log = log

    @property
    def engine(self):
        """Return an Engine object for the appliance's instance (paths and AMI logins; it starts nothing)."""
        from appliance.services import engine_sync

        return Engine(engine_sync.engine_settings(self.conf))

    def status(self, name):
        """Return the supervisor's last published ProcessStatus of ``name``, or None."""
        return next((s for s in supervision.read(self.conf["VAR_DIR"]).processes if s.name == name), None)

    def pid(self, name):
        """Return the pid of child ``name`` as the supervisor published it."""
        return self.status(name).pid

    def output(self):
        """Return what the supervisor and its children printed so far."""
        return self.log.read_text(errors="replace")

    def wait_running(self, name, restarts=0, timeout=60.0):
        """Wait until ``name`` runs again after ``restarts`` restarts; return its status (or fail with the log)."""
        def ready():
            status = self.status(name)
            return status if status and status.state == "running" and status.restarts >= restarts else None
        status = wait_for(ready, timeout)
        assert status, f"{name} is not running after {restarts} restart(s):\n{self.output()[-4000:]}"
        return status


def _port_answers(bind):
    host, port = bind.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def running_appliance(prepare=None, wait=CHILDREN):
    """Start `centralina run` on a fresh installation (``prepare(conf)`` fills its database first).

    Yields once the children named in ``wait`` run and the web and provisioning ports answer.
    """
    from appliance import db, migrations, settings

    var_dir = Path(tempfile.mkdtemp(prefix="centralina-test-"))
    rtp = free_rtp_range(span=100)
    base = free_port(span=6)  # one span: every port this appliance binds distinct
    sip, ami, http, web, prov, voicebot = range(base, base + 6)
    values = {
        "VAR_DIR": str(var_dir), "ENGINE_ROOT": str(engine_root.build()),
        "ENGINE_INSTANCE": f"run-{secrets.token_hex(4)}", "SIP_PORT": sip, "AMI_PORT": ami,
        "ENGINE_HTTP_PORT": http, "RTP_START": rtp, "RTP_END": rtp + 98,
        "WEB_BIND": f"127.0.0.1:{web}", "PROV_BIND": f"127.0.0.1:{prov}",
        "VOICEBOT_ADDRESS": f"127.0.0.1:{voicebot}",
    }
    env = {**os.environ, **{f"CENTRALINA_{key}": str(value) for key, value in values.items()},
           "CENTRALINA_CONFIG_DIR": str(var_dir / "etc")}
    conf = settings.load(overrides=values, environ={}, config_dir=var_dir / "etc")
    migrations.upgrade(db.init(conf["DATABASE_URL"]))
    try:
        if prepare is not None:
            prepare(conf)
    finally:
        db.close()
    log = var_dir.parent / f"{var_dir.name}.log"
    proc = None
    try:
        with open(log, "wb") as out:
            proc = subprocess.Popen([str(BIN / "centralina"), "run"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        appliance = Appliance(conf, env, proc, log)
        for name in wait:
            appliance.wait_running(name)
        assert wait_for(lambda: _port_answers(conf["WEB_BIND"]) and _port_answers(conf["PROV_BIND"])), \
            appliance.output()[-4000:]
        yield appliance
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                for status in supervision.read(conf["VAR_DIR"]).processes:
                    with contextlib.suppress(ProcessLookupError, TypeError):
                        os.killpg(status.pid, signal.SIGKILL)  # each child leads its own group
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        shutil.rmtree(Path(conf["ENGINE_ROOT"]) / "srv" / "centralina" / conf["ENGINE_INSTANCE"], ignore_errors=True)
        shutil.rmtree(var_dir, ignore_errors=True)
        log.unlink(missing_ok=True)


def proc_status(pid):
    """Return /proc/<pid>/status as {field: value}."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def descendants(pid):
    """Return the pids of every living process below ``pid``."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(proc_status(entry.name)["PPid"])
            except (OSError, KeyError, ValueError):
                continue
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        children = [child for child, parent in parents.items() if parent == current]
        found += children
        frontier += children
    return found
