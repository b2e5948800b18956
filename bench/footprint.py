"""A full sync at 10,000 extensions, as start-up and ``centralina engine apply`` run it, and the memory
of the daemon and of a web worker at that size (issue 18 item 3).

An installation like the appliance's (its own Asterisk on loopback ports, tests/pbx.py
``installation``) gets ``--extensions`` extensions straight into the tables. Then:
- the full sync in this process, its collect step timed on its own: from the empty engine
  (everything written) and again with nothing changed (what every start-up pays);
- ``centralina engine apply`` as a command: the process's whole wall time (Python start and
  imports included) and the sync it prints;
- the supervisor's own command lines for the web app (gunicorn, its workers) and the daemon,
  started on the same installation: the web workers serve the extensions page (the longest
  admin list) and the API's extensions list, the daemon connects to Asterisk and publishes its
  first snapshot; then each process's resident memory (RSS, and PSS where the kernel gives it:
  a worker shares its pages with the master that forked it).

    .venv/bin/python -m bench.footprint [--extensions 10000]
"""
import argparse
import http.client
import os
import subprocess
import tempfile
import time
from pathlib import Path

from appliance import db, live, supervisor
from appliance.services import Actor, api_tokens, engine_rows, engine_sync, users
from bench.common import bulk_extensions, timed
from tests.engine.sipp import free_port
from tests.pbx import environment_of, installation

ACTOR = Actor.system("bench")
PASSWORD = "Bench-Footprint-Key-71"


def _memory_kib(pid):
    """Return (RSS, PSS) of ``pid`` in KiB (PSS None where smaps_rollup is missing)."""
    rss = pss = None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def _children(pid):
    """Return the PIDs whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def _until(check, limit, what):
    deadline = time.monotonic() + limit
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {limit} s")
        time.sleep(0.1)


def _get(port, path, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read()
    finally:
        conn.close()


def _answers(port):
    try:
        return _get(port, "/login")[0] == 200
    except OSError:
        return False


def _exercise_web(port, token, workers):
    """Make every worker build what the biggest pages and lists need (round robin is not promised:
    enough requests that each worker serves several)."""
    for _ in range(8 * workers):
        status, _, _ = _get(port, "/api/v1/extensions?limit=200", {"Authorization": f"Bearer {token}"})
        if status != 200:
            raise RuntimeError(f"API list answered {status}")
    # The admin's extensions page, through a session, as the admin opens it.
    import re
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    response = conn.getresponse()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token_match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.read().decode())
    body = f"username=admin&password={PASSWORD}&csrf_token={token_match.group(1)}"
    conn.request("POST", "/login", body=body, headers={"Cookie": cookie,
                                                      "Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    cookie = (response.getheader("Set-Cookie") or cookie).split(";")[0]
    for _ in range(4 * workers):
        conn.request("GET", "/telephony/extensions", headers={"Cookie": cookie})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"extensions page answered {response.status}")
    conn.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extensions", type=int, default=10000)
    args = parser.parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-footprint-"))
    port = free_port()
    processes = []
    with installation(var_dir, WEB_BIND=f"127.0.0.1:{port}") as (conf, engine):
        started = time.perf_counter()
        bulk_extensions(args.extensions)
        users.create(users.UserInput("admin", PASSWORD, "Admin", role="admin", language="en"), ACTOR)
        _, token = api_tokens.create_service(api_tokens.TokenInput("Bench", ("extensions:read",), 0), ACTOR)
        print(f"set-up: {args.extensions:,} extensions in {time.perf_counter() - started:.0f} s")

        _, collect = timed(lambda: (engine_rows.engine_devices(), engine_rows.engine_extensions(),
                                    engine_rows.collect(engine.settings, engine_sync.feature_codes())))
        _, first = timed(engine_sync.sync, engine)
        nothing = sorted(timed(engine_sync.sync, engine)[1] for _ in range(5))
        db.close()

        env = {**os.environ, **environment_of(conf), "CENTRALINA_WEB_BIND": f"127.0.0.1:{port}"}
        command = [str(supervisor.BIN / "centralina"), "engine", "apply"]
        cli_runs = []
        for _ in range(3):
            before = time.perf_counter()
            done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            cli_runs.append((time.perf_counter() - before, done.stdout.strip()))
        cli_runs.sort()

        commands = supervisor._commands(conf)
        try:
            web = subprocess.Popen(commands["web"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(web)
            daemon = subprocess.Popen(commands["daemon"], env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL)
            processes.append(daemon)
            _until(lambda: _answers(port), 60, "the web app answering")
            workers = int(commands["web"][commands["web"].index("--workers") + 1])
            _exercise_web(port, token, workers)
            _until(lambda: live.read(conf["VAR_DIR"]).running, 60, "the daemon's first snapshot")
            time.sleep(2)  # a few of the daemon's 1 s jobs ran: its steady size, not its start
            web_workers = _children(web.pid)
            memory = {"web master": _memory_kib(web.pid),
                      **{f"web worker {i + 1}": _memory_kib(pid) for i, pid in enumerate(sorted(web_workers))},
                      "daemon": _memory_kib(daemon.pid)}
        finally:
            stopping = time.perf_counter()
            for process in processes:
                process.terminate()
            stopped = {}
            for process in processes:
                try:
                    process.wait(60)
                    stopped[process.args[-1]] = time.perf_counter() - stopping
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                    stopped[process.args[-1]] = None

    print(f"\nfull sync at {args.extensions:,} extensions (seconds), 2 cores, load average "
          f"{os.getloadavg()[0]:.1f}")
    print("| step | seconds | goal |")
    print("|---|---|---|")
    print(f"| collect rows (devices, extensions, every file's inputs) | {collect:.3f} | |")
    print(f"| full sync, from the empty engine (every row written, files rendered and applied) | {first:.3f} | <= 1 |")
    print(f"| full sync, nothing changed (start-up's pass), median of 5 | {nothing[2]:.3f} | <= 1 |")
    print(f"| `centralina engine apply`, the whole command (Python start and imports included), median of 3 | "
          f"{cli_runs[1][0]:.3f} | |")
    print(f"\n`centralina engine apply` printed: {cli_runs[1][1]}")
    print("\nstopped (SIGTERM) after: " + ", ".join(
        f"{name} {'not within 60 s (killed)' if seconds is None else f'{seconds:.1f} s'}"
        for name, seconds in stopped.items()))
    print(f"\nmemory at {args.extensions:,} extensions after serving the extensions page and API list (MiB)")
    print("| process | RSS | PSS |")
    print("|---|---|---|")
    for name, (rss, pss) in memory.items():
        print(f"| {name} | {rss / 1024:.0f} | {'' if pss is None else f'{pss / 1024:.0f}'} |")


if __name__ == "__main__":
    main()
