"""REST API list endpoints under concurrent clients, on 10,000 extensions and 1,000,000 call records.

    .venv/bin/python -m bench.api_latency [--extensions 10000] [--records 1000000] [--clients 20] [--seconds 20]
                                          [--one-process] [--keep DIR]

The web app runs as production runs it (the supervisor's gunicorn command line, its workers),
on a loopback port, against a database filled straight into the tables (set-up, not measured).
``--clients`` clients, each a process of its own as separate programs (a CRM, an ERP) would be,
with its own keep-alive connection and a service token's bearer, walk the list endpoints for
``--seconds``. (``--one-process`` runs them as threads of one process, as this bench did before:
each thread's clock then also counts the wait for the other threads' JSON parsing under that
process's GIL, a cost of the bench and not of the server.) ``--keep DIR`` fills the database in DIR
once and reuses it on later runs (before/after comparisons without a 1,000,000-row fill each).
They walk the first page of extensions and of call records,
a page reached by following cursors, call records filtered by a number and by a day. Every
response is checked (200, JSON with its items); a failure counts as an error. Goal (issue 12):
p95 <= 100 ms per endpoint at 20 concurrent clients.
"""
import argparse
import datetime
import http.client
import json
import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from appliance import db, migrations, settings, supervisor
from appliance.services import Actor, api_tokens
from bench.common import bulk_extensions
from tests.engine.sipp import free_port

ACTOR = Actor.system("bench")


def _bulk_records(count, extensions, start=datetime.datetime(2026, 1, 1)):
    """Insert ``count`` call records between the extensions and outside numbers, a minute apart on average."""
    rng = random.Random(7)
    fields = ["calldate", "answer", "end", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp",
              "lastdata", "duration", "billsec", "disposition", "uniqueid", "linkedid", "sequence", "accountcode",
              "userfield"]
    columns = ", ".join(f'"{name}"' for name in fields)
    sql = f"INSERT INTO call_records ({columns}) VALUES ({', '.join('?' * len(fields))})"
    conn = db.database.connection()
    with db.database.atomic():
        for first in range(0, count, 20000):
            rows = []
            for i in range(first, min(first + 20000, count)):
                when = start + datetime.timedelta(seconds=i * 30 + rng.randrange(30))
                src = str(2000 + rng.randrange(extensions))
                dst = str(2000 + rng.randrange(extensions)) if i % 3 else f"+55119{rng.randrange(10**8):08d}"
                talk = rng.randrange(600)
                answered = i % 5 != 0
                rows.append((when, when + datetime.timedelta(seconds=5) if answered else None,
                             when + datetime.timedelta(seconds=5 + talk), src, dst, "internal", f'"{src}" <{src}>',
                             f"PJSIP/{src}-{i:08x}", f"PJSIP/{dst}-{i:08x}", "Dial", f"PJSIP/{dst},30", 5 + talk,
                             talk if answered else 0, "ANSWERED" if answered else "NO ANSWER",
                             f"{1700000000 + i}.{i % 1000}", f"{1700000000 + i}.{i % 1000}", i, "", ""))
            conn.executemany(sql, rows)


def _server_cpu(master):
    """Return the CPU seconds (user + system) the gunicorn master and its workers have used so far."""
    pids = [master]
    for task in Path(f"/proc/{master}/task").iterdir():
        pids += [int(pid) for pid in (task / "children").read_text().split()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue  # a worker that ended (its CPU is lost with it: none end during a run)
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def _quantile(ordered, q):
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Client:
    """One API client: its own connection, walking the endpoints until the deadline."""

    def __init__(self, port, token, deadline, paths):
        self.port, self.token, self.deadline, self.paths = port, token, deadline, paths
        self.latencies = {name: [] for name in paths}
        self.errors = self.requests = 0

    def _get(self, conn, path):
        started = time.perf_counter()
        conn.request("GET", path, headers={"Authorization": f"Bearer {self.token}"})
        response = conn.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        self.requests += 1
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {body[:200]!r}")
        return json.loads(body), elapsed

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        rng = random.Random(id(self))
        while time.monotonic() < self.deadline:
            name = rng.choice(list(self.paths))
            try:
                page, elapsed = self._get(conn, self.paths[name](rng))
                if name.endswith("(3 cursors deep)"):
                    for _ in range(2):
                        more = page.get("next_cursor")
                        if not more:
                            break
                        page, elapsed = self._get(conn, f"{self.paths[name](rng)}&cursor={more}")
                if not isinstance(page.get("items"), list):
                    raise RuntimeError(f"{name}: no items in {str(page)[:200]}")
                self.latencies[name].append(elapsed)
            except (OSError, http.client.HTTPException, RuntimeError, ValueError):
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)


def _in_process(client, results):
    """Run ``client`` in a process of its own and send back what it measured."""
    client.run()
    results.put((client.latencies, client.errors, client.requests))


def _run_clients(clients, one_process):
    """Run every client at once (processes, or threads of this one); return ``(latencies, errors, requests)``."""
    if one_process:
        threads = [threading.Thread(target=client.run, daemon=True) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return ([client.latencies for client in clients], sum(client.errors for client in clients),
                sum(client.requests for client in clients))
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    processes = [context.Process(target=_in_process, args=(client, results), daemon=True) for client in clients]
    for process in processes:
        process.start()
    measured = [results.get(timeout=client.deadline - time.monotonic() + 60) for client in clients]
    for process in processes:
        process.join()
    return ([latencies for latencies, _, _ in measured], sum(errors for _, errors, _ in measured),
            sum(requests for _, _, requests in measured))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extensions", type=int, default=10000)
    parser.add_argument("--records", type=int, default=1000000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--one-process", action="store_true", help="the clients as threads of one process")
    parser.add_argument("--keep", type=Path, help="a folder whose database is filled once and kept for later runs")
    args = parser.parse_args()
    var_dir = args.keep or Path(tempfile.mkdtemp(prefix="bench-api-"))
    token_file = var_dir / "bench-token"
    port = free_port()
    env = {**os.environ, "CENTRALINA_VAR_DIR": str(var_dir), "CENTRALINA_ENGINE_ENABLED": "0",
           "CENTRALINA_WEB_BIND": f"127.0.0.1:{port}", "CENTRALINA_CONFIG_DIR": str(var_dir / "etc"),
           # One token for every client: its per-minute limit (a guard, measured elsewhere) is lifted here.
           "CENTRALINA_API_RATE_LIMIT_PER_MINUTE": "1000000"}
    conf = settings.load(environ={k: v for k, v in env.items() if k.startswith("CENTRALINA_")},
                         config_dir=var_dir / "etc")
    server = None
    try:
        migrations.upgrade(db.init(conf["DATABASE_URL"]))
        if token_file.exists():
            token = token_file.read_text()
            print(f"set-up: the database kept in {var_dir} (its extensions and call records as filled then)")
        else:
            started = time.perf_counter()
            bulk_extensions(args.extensions)
            _bulk_records(args.records, args.extensions)
            _, token = api_tokens.create_service(api_tokens.TokenInput(
                "Bench", ("extensions:read", "cdr:read"), 0), ACTOR)
            print(f"set-up: {args.extensions:,} extensions, {args.records:,} call records in "
                  f"{time.perf_counter() - started:.0f} s")
            if args.keep:
                token_file.write_text(token)
        db.close()
        command = supervisor._commands(conf)["web"]
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/login")
                break
            except OSError:
                time.sleep(0.1)
        last_day = datetime.date(2026, 1, 1) + datetime.timedelta(seconds=args.records * 30 // 86400)
        paths = {
            "GET /extensions?limit=50": lambda rng: "/api/v1/extensions?limit=50",
            "GET /extensions?limit=50 (3 cursors deep)": lambda rng: "/api/v1/extensions?limit=50",
            "GET /call-records?limit=100": lambda rng: "/api/v1/call-records?limit=100",
            "GET /call-records?limit=100 (3 cursors deep)": lambda rng: "/api/v1/call-records?limit=100",
            "GET /call-records?number=<extension>": lambda rng: (
                f"/api/v1/call-records?limit=100&number={2000 + rng.randrange(args.extensions)}"),
            "GET /call-records?since=<a day>&until=<next day>": lambda rng: (
                "/api/v1/call-records?limit=100&since={0}T00:00:00Z&until={0}T23:59:59Z".format(
                    last_day - datetime.timedelta(days=rng.randrange(max(1, last_day.toordinal() - 739617))))),
        }
        workers = command[command.index("--workers") + 1]
        # Warm-up, not measured: every worker imports the app and opens the database on its first requests.
        for seconds in (5, args.seconds):
            load_before, cpu_before = os.getloadavg()[0], _server_cpu(server.pid)
            clients = [Client(port, token, time.monotonic() + seconds, paths) for _ in range(args.clients)]
            latencies, errors, requests = _run_clients(clients, args.one_process)
            cpu = _server_cpu(server.pid) - cpu_before
        kind = "threads of one process" if args.one_process else "processes"
        print(f"\nAPI list endpoints, {args.clients} concurrent clients ({kind}) for {args.seconds:.0f} s, "
              f"gunicorn {workers} workers (the supervisor's command line), 2 cores shared with the clients (ms)")
        print("| endpoint | requests | p50 | p95 | p99 | goal p95 |")
        print("|---|---|---|---|---|---|")
        for name in paths:
            values = sorted(1000 * v for measured in latencies for v in measured[name])
            if not values:
                print(f"| {name} | 0 | | | | <= 100 |")
                continue
            print(f"| {name} | {len(values)} | {statistics.median(values):.0f} | {_quantile(values, 0.95):.0f} | "
                  f"{_quantile(values, 0.99):.0f} | <= 100 |")
        print(f"\nerrors: {errors}; {requests / args.seconds:.0f} requests/s (every request, cursor pages "
              f"included); server CPU {1000 * cpu / max(1, requests):.2f} ms a request ({cpu / args.seconds:.2f} "
              f"cores); load average (1 min) {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        db.close()
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
