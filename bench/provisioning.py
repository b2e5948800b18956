"""Configuration files served per second, and latency, with many phones asking at once; resync checks per second.

A power cut ends with every phone rebooting together. This starts the phone-facing
server exactly as the supervisor does in production (``appliance.supervisor._commands``:
gunicorn sync workers, PROV_WORKERS of them, the redacting access logger, on loopback
without TLS), gives 5,000 Yealink phones an extension each, then lets ``--concurrency``
clients fetch every phone's per-MAC file over its token URL with the phone's own
User-Agent, each phone once (the cold storm, right after the server started). Then the
same phones ask again (the warm storm: the server stayed up, a switch rebooted), and then
each phone makes its periodic resync check: the same request with If-None-Match, answered
304 when nothing changed.

Each round runs a server with the render cache off (PROV_CACHE_BYTES=0) and one with it on,
interleaved, on the same database; ``--baseline TREE`` adds a server run from another
checkout's code (e.g. main before issue 18) in each round.

    .venv/bin/python -m bench.provisioning [--phones 5000] [--concurrency 500] [--workers 2] [--rounds 2]
                                           [--baseline /path/to/checkout]
"""
import argparse
import asyncio
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from appliance import db, migrations, supervisor
from appliance.models.extensions import Device, Extension
from bench.common import bulk_extensions
from tests.engine.sipp import free_port

BIN = Path(sys.executable).parent


def _phones(count):
    """Give each of ``count`` extensions a Yealink T46U; return [(token, mac)]."""
    bulk_extensions(count)
    rows, phones = [], []
    for index, extension in enumerate(Extension.select(Extension.id, Extension.number).order_by(Extension.id)):
        mac, token = f"805ec0{index:06x}", secrets.token_hex(16)
        rows.append({"extension": extension.id, "sip_username": f"{extension.number}-2", "mac": mac,
                     "sip_password": secrets.token_urlsafe(18), "vendor": "yealink", "model": "T46U",
                     "prov_token": token, "phone_admin_password": secrets.token_hex(8)})
        phones.append((token, mac))
    with db.database.atomic():
        for start in range(0, len(rows), 500):
            Device.insert_many(rows[start:start + 500]).execute()
    return phones


async def _fetch(port, token, mac, etag=None):
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    colons = ":".join(mac[i:i + 2] for i in range(0, 12, 2))
    condition = f"If-None-Match: {etag}\r\n" if etag else ""
    writer.write((f"GET /prov/{token}/{mac}.cfg HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  f"User-Agent: Yealink SIP-T46U 108.86.0.20 {colons}\r\n{condition}"
                  "Connection: close\r\n\r\n").encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    status = int(response.split(b" ", 2)[1]) if response else 0
    head = response.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    found = [line.split(":", 1)[1].strip() for line in head.split("\r\n") if line.lower().startswith("etag:")]
    return status, time.perf_counter() - started, b"account.1.password" in response, found[0] if found else None


async def _storm(port, phones, concurrency, etags=None):
    gate = asyncio.Semaphore(concurrency)

    async def one(token, mac):
        async with gate:
            try:
                return await asyncio.wait_for(_fetch(port, token, mac, (etags or {}).get(token)), timeout=60)
            except (TimeoutError, OSError):
                return 0, 60.0, False, None

    return await asyncio.gather(*(one(token, mac) for token, mac in phones))


def _wait_listening(port, limit=30):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            asyncio.run(asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 1))
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the provisioning server did not start")


def _server(workdir, database, workers, cache_bytes, tree=None):
    """Start the provisioning listener with the supervisor's own command line; return (process, port)."""
    port = free_port()
    conf = {"WEB_BIND": "127.0.0.1:1", "PROV_BIND": f"127.0.0.1:{port}", "PROV_WORKERS": workers,
            "PROV_CERTFILE": ""}
    command = supervisor._commands(conf)["provisioning"]
    env = {**os.environ, "CENTRALINA_VAR_DIR": str(workdir), "CENTRALINA_DATABASE_URL": database,
           "CENTRALINA_ENGINE_ENABLED": "0", "CENTRALINA_SIP_BIND": "192.0.2.10",
           "CENTRALINA_CONFIG_DIR": str(workdir / "etc"), "CENTRALINA_PROV_CACHE_BYTES": str(cache_bytes)}
    if tree:  # another checkout's code first on the path (the editable install points at this one)
        env["PYTHONPATH"] = str(tree)
        command = command[:1] + ["--chdir", str(tree)] + command[1:]
    process = subprocess.Popen(command, env=env, cwd=tree or None, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _wait_listening(port)
    return process, port


def _summary(results, elapsed, expect):
    latencies = sorted(latency for _, latency, _, _ in results)
    ok = sum(1 for status, _, secret, _ in results if status == expect and (secret or expect == 304))
    return {"ok": ok, "n": len(results), "errors": sum(1 for status, *_ in results if status >= 500 or status == 0),
            "rate": ok / elapsed, "p50": statistics.median(latencies) * 1000,
            "p99": latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000, "elapsed": elapsed}


def _run(port, phones, concurrency, etags=None, expect=200):
    started = time.perf_counter()
    results = asyncio.run(_storm(port, phones, concurrency, etags))
    return _summary(results, time.perf_counter() - started, expect), results


def _one_server(label, workdir, database, phones, args, cache_bytes, tree=None):
    process, port = _server(workdir, database, args.workers, cache_bytes, tree)
    rows = []
    try:
        cold, results = _run(port, phones, args.concurrency)
        rows.append((label, "cold storm (server just started)", cold))
        etags = {token: etag for (token, _), (*_, etag) in zip(phones, results, strict=True) if etag}
        warm, _ = _run(port, phones, args.concurrency)
        rows.append((label, "warm storm (same server, again)", warm))
        if etags:
            check, _ = _run(port, phones, args.concurrency, etags, expect=304)
        else:  # a server without validators answers every periodic check in full
            check, _ = _run(port, phones, args.concurrency)
        rows.append((label, "resync checks (If-None-Match -> 304)", check))
    finally:
        process.terminate()
        process.wait(timeout=30)
    return rows


def _print(rows):
    print("| server | run | answered as expected | server errors | per s | p50 ms | p99 ms | all in |")
    print("|---|---|---|---|---|---|---|---|")
    for label, run, r in rows:
        print(f"| {label} | {run} | {r['ok']:,} / {r['n']:,} | {r['errors']} | {r['rate']:.0f} | {r['p50']:.0f} | "
              f"{r['p99']:.0f} | {r['elapsed']:.1f} s |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (production: PROV_WORKERS, 2)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cache-bytes", type=int, default=32 * 1024 * 1024)
    parser.add_argument("--baseline", help="a checkout whose provisioning code runs as a third server each round")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-prov-"))
    database = f"sqlite:///{workdir / 'app.db'}"
    migrations.upgrade(db.init(database))
    phones = _phones(args.phones)
    db.close()
    servers = [("cache off", 0, None), ("cache on", args.cache_bytes, None)]
    if args.baseline:
        servers.insert(0, ("baseline", 0, args.baseline))
    rows = []
    try:
        for round_ in range(args.rounds):
            order = servers if round_ % 2 == 0 else servers[::-1]  # A B, B A: drift in the load hits both
            for label, cache_bytes, tree in order:
                rows += _one_server(f"{label} (round {round_ + 1})", workdir, database, phones, args, cache_bytes, tree)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nprovisioning: {args.phones:,} phones, {args.concurrency} at once, {args.workers} gunicorn sync workers "
          f"(supervisor's command line), 2 cores, load {os.getloadavg()[0]:.1f} at the end")
    _print(rows)
    for run in ("cold storm (server just started)", "warm storm (same server, again)",
                "resync checks (If-None-Match -> 304)"):
        rate = {label.split(" (")[0]: [r["rate"] for lab, kind, r in rows if kind == run and lab.startswith(label)]
                for label, _, _ in servers}
        if all(rate.values()):
            text = ", ".join(f"{name} {statistics.median(values):.0f}/s" for name, values in rate.items())
            ratio = statistics.median(rate["cache on"]) / statistics.median(rate["cache off"])
            print(f"{run}: median {text}; cache on/off {ratio:.2f}")
    print("goal: 5,000 phones in <= 10 s at 500 concurrent, 0 errors, p99 <= 1 s")


if __name__ == "__main__":
    main()
