"""Run the appliance in the foreground: start every process, restart one that dies, stop them all on Ctrl-C.

A PBX keeps serving while one of its processes restarts: a dead process is
restarted on its own, with growing delays, and given up only after dying again
and again right after starting (appliance/supervision.py). Started by root,
Asterisk drops to the engine root's ``asterisk`` account and web, provisioning
and the daemon run as APP_USER (appliance/process_users.py, decision 011).
The System page shows the restarts (the supervisor publishes them under VAR_DIR/live).
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from appliance import demo, permissions, process_users, supervision
from appliance.services import engine_sync

BIN = Path(sys.executable).parent
STOP_TIMEOUT = 10
#: How often the supervisor looks at its children, and republishes their status unasked.
STEP = 0.2
PUBLISH_EVERY = 5.0


def _gunicorn(bind, app, workers, *extra):
    return [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", bind, "--access-logfile", "-",
            "--graceful-timeout", "5", "--no-control-socket", *extra, app]


def _commands(conf):
    tls = ["--certfile", conf["PROV_CERTFILE"], "--keyfile", conf["PROV_KEYFILE"]] if conf["PROV_CERTFILE"] else []
    commands = {
        # Threads (gthread workers): an event stream (SSE) holds a thread, not a whole worker (decision 018).
        "web": _gunicorn(conf["WEB_BIND"], "web:create_app()", conf.get("WEB_WORKERS", 3),
                         "--worker-class", "gthread", "--threads", str(conf.get("WEB_THREADS", 8))),
        # Phones get their own listener: no admin page is reachable on the port they use.
        # Its logger class redacts the token in phones' URLs from the access and error logs.
        "provisioning": _gunicorn(conf["PROV_BIND"], "provisioning.http:create_app()", conf.get("PROV_WORKERS", 2),
                                  "--logger-class", "provisioning.logs.RedactingLogger", *tls),
        "daemon": [str(BIN / "centralina"), "daemon"],
    }
    if conf.get("VOICEBOT_ENABLED", True) and conf.get("ENGINE_ENABLED"):
        # The VoiceBot's AudioSocket server: a process of its own (recognition is CPU work, decision 035).
        commands["voicebot"] = [str(BIN / "centralina"), "voicebot"]
    return commands


class _Child:
    """One supervised process: a status for the System page and its restart history."""

    def __init__(self, name):
        self.status = supervision.ProcessStatus(name)
        self.restarts = supervision.Restarts()
        self.restart_at = None

    def start(self):
        """Start the process (raise on a failed start: it counts as a death)."""
        raise NotImplementedError

    def exit_code(self):
        """Return None while the process runs, else its return code."""
        raise NotImplementedError

    def stop(self):
        """Stop the process (and wait for it)."""
        raise NotImplementedError


class _Command(_Child):
    """A program run as ``user`` (None: as we run) with ``capabilities`` kept."""

    def __init__(self, name, command, user=None, capabilities=()):
        super().__init__(name)
        self.command = process_users.as_user(command, user, capabilities) if user else command
        self.env = process_users.environment(user) if user else None
        self.proc = None

    def start(self):
        # Own process groups: Ctrl-C reaches only us, and we stop the children in order.
        self.proc = subprocess.Popen(self.command, start_new_session=True, env=self.env,
                                     umask=permissions.PRIVATE_UMASK)
        self.status.pid = self.proc.pid

    def exit_code(self):
        code = self.proc.poll()
        if code is not None:
            # What the dead leader left behind (gunicorn workers) goes too, freeing its port.
            # Linux reuses no pid still naming a process group, so this reaches only them.
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        return code

    def terminate(self):
        """Ask the process to stop, without waiting."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()

    def stop(self, deadline=None):
        if self.proc is None:
            return
        self.terminate()
        deadline = deadline or time.monotonic() + STOP_TIMEOUT
        try:
            self.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class _Asterisk(_Child):
    """Asterisk, booted each time with the configuration the database compiles to now."""

    def __init__(self, engine):
        super().__init__("asterisk")
        self.engine = engine

    def start(self):
        self.engine.stop()  # reaps a dead one and closes its console log; nothing if never started
        engine_sync.sync(self.engine)  # Asterisk is down: this writes the files it will boot with
        self.engine.start()
        self.status.pid = self.engine.pid

    def exit_code(self):
        return self.engine.exited()

    def stop(self):
        self.engine.stop()


def _app_user(conf, engine):
    """Return the ProcessUser web, provisioning and the daemon run as, or None to run them as we run."""
    if os.geteuid() != 0 or not conf.get("APP_USER"):
        return None
    account = engine.account() if engine is not None else None
    user = process_users.ensure_app_user(conf["APP_USER"], account[1] if account else None)
    for path in (conf["VAR_DIR"], BIN):
        try:
            opened = process_users.open_passage(path, user)
        except process_users.ProcessUserError as error:
            raise SystemExit(f"{error} (move the checkout or VAR_DIR where {user.name} can reach it)") from None
        for folder in opened:
            print(f"{user.name} may now pass through {folder} (ACL u:{user.name}:x) to reach {path}", flush=True)
    return user


def _start_engine(conf):
    """Compile the database into the engine's config and start Asterisk; return its _Asterisk or None."""
    engine = engine_sync.configure_from_settings(conf)
    if engine is None:
        return None
    if engine.is_running():
        raise SystemExit(f"an Asterisk already serves instance {engine.settings.instance}; stop it first")
    child = _Asterisk(engine)
    child.start()
    child.restarts.started(time.monotonic())
    print(f"Asterisk started (pid {engine.pid}), SIP on {conf['SIP_BIND']}:{conf['SIP_PORT']}", flush=True)
    return child


class _Supervisor:
    """Watch the children, restart the dead ones, publish what happened."""

    def __init__(self, children, var_dir, owner):
        self.children = children
        self.var_dir = var_dir
        self.owner = owner
        self.published_at = 0.0

    def publish(self):
        supervision.publish(self.var_dir, [child.status for child in self.children], self.owner)
        self.published_at = time.monotonic()

    def step(self):
        """Look at every child once: note deaths, restart those whose wait is over."""
        now = time.monotonic()
        changed = False
        for child in self.children:
            if child.status.state == "running":
                code = child.exit_code()
                if code is not None:
                    self._died(child, code, now)
                    changed = True
            elif child.status.state == "restarting" and now >= child.restart_at:
                self._restart(child)
                changed = True
        if changed or now - self.published_at > PUBLISH_EVERY:
            self.publish()

    def _died(self, child, code, now, start_error=""):
        status = child.status
        status.last_exit_code, status.last_start_error = code, start_error
        status.last_exit_at, status.pid = time.time(), None
        how = f"failed to start: {start_error}" if start_error else supervision.describe_exit(code)
        delay = child.restarts.died(now)
        if delay is None:
            status.state = "failed"
            print(f"{status.name} {how}, again right after starting, {child.restarts.give_up_after} times: "
                  "giving up on it; the rest keeps running. Its output above says why; once fixed, "
                  "restart Centralina.", file=sys.stderr, flush=True)
            return
        status.state, status.restarts, child.restart_at = "restarting", child.restarts.count, now + delay
        print(f"{status.name} {how}; restarting it in {delay:.1f} s", file=sys.stderr, flush=True)

    def _restart(self, child):
        try:
            child.start()
        except Exception as error:  # a failed start is one more death: the same delays apply
            reason = (str(error) or type(error).__name__)[:500]
            self._died(child, child.exit_code(), time.monotonic(), start_error=reason)
            return
        child.status.state, child.status.started_at = "running", time.time()
        child.restarts.started(time.monotonic())
        print(f"{child.status.name} restarted (pid {child.status.pid})", file=sys.stderr, flush=True)


def run(conf):
    """Start Asterisk, web, provisioning and the daemon, and keep them running until Ctrl-C; return an exit code."""
    children = []
    stopping = []

    def _on_signal(signum, frame):
        stopping.append(signum)

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        asterisk = _start_engine(conf)
        if asterisk is not None:
            children.append(asterisk)
        user = _app_user(conf, asterisk.engine if asterisk else None)
        owner = (user.uid, user.gid) if user else None
        # Root made or touched files (the database, the AMI secrets, generations): all become the app user's.
        (Path(conf["VAR_DIR"]) / "live").mkdir(parents=True, exist_ok=True)
        permissions.secure_var_dir(conf["VAR_DIR"], owner)
        for name, command in _commands(conf).items():
            child = _Command(name, command, user, process_users.CAPABILITIES.get(name, ()))
            child.start()
            child.status.started_at = time.time()
            child.restarts.started(time.monotonic())
            children.append(child)
        if asterisk is not None:
            asterisk.status.started_at = time.time()
        supervisor = _Supervisor(children, conf["VAR_DIR"], owner)
        supervisor.publish()
        host, port = conf["WEB_BIND"].rsplit(":", 1)
        url = f"http://{host}:{port}/"
        scheme = "https" if conf["PROV_CERTFILE"] else "http"
        print(f"\nCentralina is running at {url}\n{demo.login_hint(conf)}\n"
              f"Phones provision from {scheme}://{conf['PROV_BIND']}/prov/ (DHCP option 66: docs/provisioning.md)\n"
              + (f"Web, provisioning and the daemon run as {user.name}.\n" if user else "")
              + "Ctrl-C stops it.\n", flush=True)
        while not stopping:
            supervisor.step()
            time.sleep(STEP)
        return 1 if any(child.status.state == "failed" for child in children) else 0
    finally:
        _stop(children)
        print("Centralina stopped.", flush=True)


def _stop(children):
    """Stop the programs together, then Asterisk (the daemon may still be reading its files)."""
    commands = [child for child in children if isinstance(child, _Command)]
    for child in commands:
        child.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for child in commands:
        child.stop(deadline)
    for child in children:
        if not isinstance(child, _Command):
            child.stop()
