"""Browser phones (SIP over WebSocket, DTLS-SRTP) vs UDP phones on the same Asterisk (issue 16 item 6).

Registrations: N browser phones (one headless chromium page, one JsSIP UA and WebSocket each)
register at once; N REGISTERs of UDP phones (SIPp) at a fixed rate. Both are reported as
registrations per second and Asterisk CPU per registration; the browser phones' contacts still
held after --hold seconds are counted. Calls: C browser phones call a SIPp phone at once, --rounds
times (INVITE to confirmed: ICE + DTLS + opus<->G.711), vs SIPp UDP calls to the same SIPp phone at
--rate; reported as set-up time, calls per second and Asterisk CPU per call.

    .venv/bin/python -m bench.webrtc --phones 100 --concurrent 10 --rounds 5
"""
import argparse
import functools
import http.server
import os
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from appliance.models.extensions import Device
from bench.common import pbx
from bench.rounds import cpu_seconds
from tests.browser.conftest import CHROMIUM
from tests.browser.phone_helpers import PHONE_ARGS
from tests.engine.sipp import Sipp, free_port

ROOT = Path(__file__).resolve().parent.parent
FIRST = 2000  # bench.common.bulk_extensions numbers extensions from here


def _serve(folder):
    """Serve ``folder`` on a free loopback port in a thread; return (server, base URL)."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def _contacts(engine, transport):
    return sum(1 for line in engine.cli("pjsip show contacts", timeout=30).splitlines()
               if line.strip().startswith("Contact:") and f"transport={transport}" in line)


def _udp_registrations(sipp, username, password, count, rate):
    scenario = sipp._scenario("register.xml", final=200)
    cmd, run_dir = sipp._command(scenario, port=free_port(), service=username, auth=(username, password),
                                 keys={"expires": 120}, calls=count, timeout=120, extra=["-r", str(rate)])
    cmd.remove("-trace_msg")
    started = time.monotonic()
    result = sipp._run(cmd, run_dir, timeout=120)
    return result, time.monotonic() - started


def _ms(values):
    values = sorted(values)
    if not values:
        return "-"
    return f"{statistics.median(values):.0f} / {values[min(len(values) - 1, int(len(values) * 0.95))]:.0f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=100, help="browser phones registered at once")
    parser.add_argument("--hold", type=float, default=20.0, help="seconds before counting held registrations")
    parser.add_argument("--concurrent", type=int, default=10, help="browser phones calling at once")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rate", type=int, default=20, help="UDP REGISTERs and calls offered per second")
    args = parser.parse_args()
    phones, calls = args.phones, args.concurrent * args.rounds
    from playwright.sync_api import sync_playwright

    def webrtc_devices():
        Device.update(kind="webrtc").where(Device.sip_username.cast("INTEGER") < FIRST + phones).execute()

    with pbx(phones + 2, before_start=webrtc_devices) as (engine, workdir):
        site = Path(tempfile.mkdtemp(prefix="bench-webrtc-"))
        (site / "static").symlink_to(ROOT / "web" / "static")
        shutil.copy(ROOT / "bench" / "webrtc_page.html", site / "index.html")
        server, base = _serve(site)
        ws = f"ws://127.0.0.1:{engine.settings.http_port}/ws"
        devices = {d.sip_username: d.sip_password for d in Device.select()}
        credentials = [{"uri": f"sip:{u}@127.0.0.1", "username": u, "password": devices[u], "ws_url": ws,
                        "display_name": f"Ramal {u}", "ice_servers": []}
                       for u in (str(FIRST + i) for i in range(phones))]
        udp_user, target = str(FIRST + phones), str(FIRST + phones + 1)
        sipp = Sipp(engine.settings.sip_port, workdir=workdir)
        pid = engine.pid
        profile = tempfile.mkdtemp(prefix="bench-chromium-")
        try:
            with sync_playwright() as playwright:
                context = playwright.chromium.launch_persistent_context(
                    profile, executable_path=CHROMIUM, headless=True, args=PHONE_ARGS)
                page = context.new_page()
                page.goto(base + "/index.html")
                page.wait_for_function("typeof window.register === 'function'")

                cpu = cpu_seconds(pid)
                reg = page.evaluate("(c) => window.register(c)", credentials)
                ws_cpu = cpu_seconds(pid) - cpu
                time.sleep(args.hold)
                held = _contacts(engine, "ws")

                cpu = cpu_seconds(pid)
                udp, udp_seconds = _udp_registrations(sipp, udp_user, devices[udp_user], phones, args.rate)
                udp_cpu = cpu_seconds(pid) - cpu
                udp_ok = int(udp.stats.get("SuccessfulCall(C)", 0))

                with sipp.uas(target, devices[target], calls=2 * calls + 5, trace=False):
                    cpu = cpu_seconds(pid)
                    browser = page.evaluate("([c, n, r]) => window.callRounds(c, n, r)",
                                            [args.concurrent, target, args.rounds])
                    browser_cpu = cpu_seconds(pid) - cpu
                    cpu = cpu_seconds(pid)
                    load = sipp.call_load(udp_user, devices[udp_user], target, calls=calls, rate=args.rate,
                                          limit=args.concurrent)
                    udp_call_cpu = cpu_seconds(pid) - cpu
                context.close()
        finally:
            server.shutdown()
            shutil.rmtree(profile, ignore_errors=True)
            shutil.rmtree(site, ignore_errors=True)

    udp_calls_ok = int(load.stats.get("SuccessfulCall(C)", 0))
    print(f"browser phones vs UDP phones on one Asterisk, {os.cpu_count()} cores")
    print("| what | browser (WebSocket, DTLS-SRTP, opus) | UDP (SIPp, G.711) |")
    print("|---|---|---|")
    print(f"| registrations ok / offered | {reg['registered']} / {phones} | {udp_ok} / {phones} |")
    print(f"| registrations/s | {phones / (reg['ms'] / 1000):.1f} (all at once) | "
          f"{phones / udp_seconds:.1f} (offered at {args.rate}/s) |")
    print(f"| Asterisk CPU ms per registration | {1000 * ws_cpu / max(reg['registered'], 1):.2f} | "
          f"{1000 * udp_cpu / max(udp_ok, 1):.2f} |")
    print(f"| registrations held after {args.hold:.0f} s | {held} / {phones} | - |")
    print(f"| calls ok / offered | {len(browser['setup'])} / {calls} ({args.concurrent} at once) | "
          f"{udp_calls_ok} / {calls} (at {args.rate}/s, <= {args.concurrent} at once) |")
    print(f"| set-up ms, INVITE to confirmed (p50 / p95) | {_ms(browser['setup'])} | "
          f"SIPp INVITE->200 {load.stats.get('ResponseTime1(C)', '-')} (mean) |")
    print(f"| calls/s | {len(browser['setup']) / (browser['ms'] / 1000):.1f} | "
          f"{udp_calls_ok / load.stats['wall_seconds']:.1f} |")
    print(f"| Asterisk CPU ms per call | {1000 * browser_cpu / max(len(browser['setup']), 1):.1f} | "
          f"{1000 * udp_call_cpu / max(udp_calls_ok, 1):.1f} |")


if __name__ == "__main__":
    main()
