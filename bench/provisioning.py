"""Configuration files served per second, and latency, with many phones asking at once.

A power cut ends with every phone rebooting together. This starts the phone-facing
server as `make run` does (gunicorn, `provisioning.http:create_app()`), gives 5,000
Yealink phones an extension each, then lets ``--concurrency`` clients fetch every
phone's per-MAC file over its token URL with the phone's own User-Agent, each phone
once. Goal: 5,000 phones within 2 minutes, 0 server errors.

    .venv/bin/python -m bench.provisioning [--phones 5000] [--concurrency 500] [--workers 4]
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

from appliance import db, migrations
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


async def _fetch(port, token, mac):
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    colons = ":".join(mac[i:i + 2] for i in range(0, 12, 2))
    writer.write((f"GET /prov/{token}/{mac}.cfg HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  f"User-Agent: Yealink SIP-T46U 108.86.0.20 {colons}\r\nConnection: close\r\n\r\n").encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    status = int(response.split(b" ", 2)[1]) if response else 0
    return status, time.perf_counter() - started, b"account.1.password" in response


async def _storm(port, phones, concurrency):
    gate = asyncio.Semaphore(concurrency)

    async def one(token, mac):
        async with gate:
            try:
                return await asyncio.wait_for(_fetch(port, token, mac), timeout=60)
            except (TimeoutError, OSError):
                return 0, 60.0, False

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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=500)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-prov-"))
    database = f"sqlite:///{workdir / 'app.db'}"
    migrations.upgrade(db.init(database))
    phones = _phones(args.phones)
    db.close()
    port = free_port()
    env = {**os.environ, "CENTRALINA_VAR_DIR": str(workdir), "CENTRALINA_DATABASE_URL": database,
           "CENTRALINA_ENGINE_ENABLED": "0", "CENTRALINA_SIP_BIND": "192.0.2.10",
           "CENTRALINA_CONFIG_DIR": str(workdir / "etc")}
    server = subprocess.Popen([str(BIN / "gunicorn"), "--workers", str(args.workers), "--bind", f"127.0.0.1:{port}",
                               "--backlog", "2048", "--no-control-socket", "provisioning.http:create_app()"],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_listening(port)
        started = time.perf_counter()
        results = asyncio.run(_storm(port, phones, args.concurrency))
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
    latencies = sorted(latency for _, latency, _ in results)
    ok = sum(1 for status, _, has_secret in results if status == 200 and has_secret)
    errors = sum(1 for status, _, _ in results if status >= 500 or status == 0)
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    print(f"\nprovisioning storm: {args.phones:,} phones, {args.concurrency} at once, {args.workers} gunicorn "
          f"workers, 2 cores")
    print("| configs served | server errors | configs/s | p50 ms | p99 ms | all phones served in |")
    print("|---|---|---|---|---|---|")
    print(f"| {ok:,} / {len(results):,} | {errors} | {ok / elapsed:.0f} | {statistics.median(latencies) * 1000:.0f} | "
          f"{p99 * 1000:.0f} | {elapsed:.1f} s (goal: 5,000 in 120 s) |")


if __name__ == "__main__":
    main()
