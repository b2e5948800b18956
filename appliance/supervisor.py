"""Run the appliance in the foreground: start every process, stop them all on Ctrl-C or when one dies."""
import signal
import subprocess
import sys
import time
from pathlib import Path

from appliance import demo

BIN = Path(sys.executable).parent
STOP_TIMEOUT = 10


def _gunicorn(bind, app, workers, *extra):
    return [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", bind, "--access-logfile", "-",
            "--graceful-timeout", "5", "--no-control-socket", *extra, app]


def _commands(conf):
    tls = ["--certfile", conf["PROV_CERTFILE"], "--keyfile", conf["PROV_KEYFILE"]] if conf["PROV_CERTFILE"] else []
    return {
        "web": _gunicorn(conf["WEB_BIND"], "web:create_app()", conf.get("WEB_WORKERS", 3)),
        # Phones get their own listener: no admin page is reachable on the port they use.
        # Its logger class redacts the token in phones' URLs from the access and error logs.
        "provisioning": _gunicorn(conf["PROV_BIND"], "provisioning.http:create_app()", conf.get("PROV_WORKERS", 2),
                                  "--logger-class", "provisioning.logs.RedactingLogger", *tls),
        "daemon": [str(BIN / "centralina"), "daemon"],
    }


def _stop(children):
    for proc in children.values():
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT
    for proc in children.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _start_engine(conf):
    """Compile the database into the engine's config and start Asterisk; return the Engine or None."""
    from appliance.services import engine_sync

    engine = engine_sync.configure_from_settings(conf)
    if engine is None:
        return None
    if engine.is_running():
        raise SystemExit(f"an Asterisk already serves instance {engine.settings.instance}; stop it first")
    engine_sync.sync(engine)  # Asterisk is down: this writes the files it will boot with
    engine.start()
    print(f"Asterisk started (pid {engine.pid}), SIP on {conf['SIP_BIND']}:{conf['SIP_PORT']}", flush=True)
    return engine


def run(conf):
    """Start Asterisk, the web app and the daemon, print where to log in, and supervise; return an exit code."""
    children = {}
    stopping = []
    engine = None

    def _on_signal(signum, frame):
        stopping.append(signum)

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        engine = _start_engine(conf)
        for name, command in _commands(conf).items():
            # Own process groups: Ctrl-C reaches only us, and we stop the children in order.
            children[name] = subprocess.Popen(command, start_new_session=True)
        host, port = conf["WEB_BIND"].rsplit(":", 1)
        url = f"http://{host}:{port}/"
        scheme = "https" if conf["PROV_CERTFILE"] else "http"
        print(f"\nCentralina is running at {url}\n{demo.login_hint(conf)}\n"
              f"Phones provision from {scheme}://{conf['PROV_BIND']}/prov/ (DHCP option 66: docs/provisioning.md)\n"
              "Ctrl-C stops it.\n", flush=True)
        while not stopping:
            dead = [name for name, proc in children.items() if proc.poll() is not None]
            if engine is not None and not engine.is_running():
                dead.append("asterisk")
            if dead:
                print(f"{', '.join(dead)} stopped unexpectedly; stopping the rest", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        _stop(children)
        if engine is not None:
            engine.stop()
        print("Centralina stopped.", flush=True)
