"""Benchmark: how fast is one edited device live among 10,000, static vs realtime?

Starts its own Asterisk instance per storage variant on free loopback ports,
creates N devices, registers a bystander and holds a call through the
change, edits one password and measures the time until a REGISTER with the
new password succeeds. Also measures boot time, memory, and the Asterisk CPU
cost of REGISTER traffic. Prints a Markdown table.

    .venv/bin/python -m bench.endpoint_storage [--devices 10000]

Variants:
  static            all devices in pjsip.conf; change = rewrite + module reload res_pjsip.so
  realtime          sorcery realtime over res_config_sqlite3; change = realtime.sync_rows()
  realtime+cache    realtime behind a sorcery memory cache; change = sync_rows() +
                    "sorcery memory cache expire" for the changed objects
"""
import argparse
import os
import secrets
import shutil
import subprocess
import threading
import time

from appliance.asterisk import engine_root
from appliance.asterisk.confgen import EngineInput, SipDevice, endpoint_rows, render_all
from appliance.asterisk.confgen.asterisk import HEADER
from appliance.asterisk.confgen.pjsip import REALTIME_TABLES, render_pjsip_conf
from appliance.asterisk.engine import Engine, EngineSettings
from appliance.asterisk.realtime import sync_rows
from tests.engine.sipp import Sipp, free_port, free_rtp_range, read_stats

TARGET, BYSTANDER, CALLER = "u00042", "u00043", "u00044"
IDLE_SECONDS = 5
TYPES = {table: kind for kind, table in REALTIME_TABLES.items()}
CACHE_OPTIONS = "object_lifetime_maximum=3600,expire_on_reload=yes"
# REGISTER load scenario: the user and its [authentication ...] keyword come
# from the -inf CSV file (SIPp 3.6.1 mangles [field0] nested inside
# [authentication] in the scenario, but expands the keyword from a field).
LOAD_SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register load">
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@[remote_ip]>;tag=[call_number]
To: <sip:[field0]@[remote_ip]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:[field0]@[local_ip]:[local_port]>
Expires: 60
Content-Length: 0

]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[field0]@[remote_ip]>;tag=[call_number]
To: <sip:[field0]@[remote_ip]>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:[field0]@[local_ip]:[local_port]>
[field1]
Expires: 60
Content-Length: 0

]]></send>
  <recv response="200"/>
</scenario>
"""


def devices(count, changed=None):
    """Return ``count`` devices u00000...; ``changed`` gets a new password."""
    return [SipDevice(f"u{i:05d}", "new-secret" if f"u{i:05d}" == changed else f"pw{i:05d}",
                      str(10000 + i), f"User {i}") for i in range(count)]


def static_pjsip_conf(settings, devs):
    """Return pjsip.conf holding every device as static endpoint/aor/auth sections."""
    lines = [render_pjsip_conf(settings)]
    for table, rows in endpoint_rows(devs, settings.media_address).items():
        for row in rows:
            lines.append(f"[{row['id']}]\ntype = {TYPES[table]}")
            lines += [f"{key} = {value}" for key, value in row.items() if key != "id"]
    return "\n".join(lines) + "\n"


def sorcery_conf(variant):
    """Return sorcery.conf for ``variant``."""
    if variant == "static":
        return HEADER  # res_pjsip's defaults: everything from pjsip.conf
    lines = [HEADER, "[res_pjsip]"]
    for kind, table in REALTIME_TABLES.items():
        if variant == "realtime+cache":
            lines.append(f"{kind}/cache = memory_cache,name={kind}_cache,{CACHE_OPTIONS}")
        lines.append(f"{kind} = realtime,{table}")
    return "\n".join(lines) + "\n"


def cpu_seconds(pid):
    """Return user+system CPU seconds used so far by process ``pid``."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid):
    """Return the resident memory of ``pid`` in MB."""
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def register_load(sipp_dir, settings, count, rate):
    """Send ``count`` REGISTERs for distinct devices at ``rate``/s; return (ok, failed, seconds)."""
    sipp_dir.mkdir(parents=True, exist_ok=True)
    (sipp_dir / "load.xml").write_text(LOAD_SCENARIO)
    (sipp_dir / "users.csv").write_text("SEQUENTIAL\n" + "".join(
        f"u{i:05d};[authentication username=u{i:05d} password=pw{i:05d}]\n"
        for i in range(100, 100 + count)))
    started = time.monotonic()
    done = subprocess.run(
        ["sipp", f"127.0.0.1:{settings.sip_port}", "-sf", "load.xml", "-inf", "users.csv",
         "-i", "127.0.0.1", "-p", str(free_port()), "-m", str(count), "-r", str(rate),
         "-l", "200", "-nostdin", "-timeout", "120s", "-trace_stat", "-stf", "load.csv"],
        cwd=sipp_dir, capture_output=True, text=True, timeout=180,
    )
    seconds = time.monotonic() - started
    stats = read_stats(sipp_dir / "load.csv")
    if done.returncode not in (0, 1):  # 1: some calls failed, counted below
        raise RuntimeError(f"sipp load run failed ({done.returncode}): {done.stderr[-500:]}")
    return int(stats["SuccessfulCall(C)"]), int(stats["FailedCall(C)"]), seconds


def run_variant(variant, count, root, load):
    """Measure one storage variant; return a dict of results."""
    settings = EngineSettings(
        engine_root=root, instance=f"bench-{variant.replace('+', '-')}", sip_port=free_port(),
        ami_port=free_port(), http_port=free_port(), rtp_start=(base := free_rtp_range(200)),
        rtp_end=base + 198, ami_secret=secrets.token_urlsafe(24),
    )
    engine = Engine(settings)
    shutil.rmtree(engine.host_path(engine.instance_dir), ignore_errors=True)
    engine.create_dirs()
    before, after = devices(count), devices(count, changed=TARGET)
    files = render_all(EngineInput(settings, tuple(before)))
    files["sorcery.conf"] = sorcery_conf(variant)
    if variant == "static":
        files["pjsip.conf"] = static_pjsip_conf(settings, before)
    else:
        sync_rows(engine.host_path(settings.realtime_db), endpoint_rows(before, settings.media_address))
    if variant == "realtime+cache":
        files["modules.conf"] += "load = res_sorcery_memory_cache.so\n"
    for name, text in files.items():
        engine.write_file(name, text)
    sipp = Sipp(settings.sip_port, workdir=engine.host_path(engine.instance_dir / "spool" / "sipp"))
    result = {"variant": variant}
    started = time.monotonic()
    engine.start()
    try:
        result["boot_s"] = time.monotonic() - started
        result["rss_mb"] = rss_mb(engine.pid)
        cpu = cpu_seconds(engine.pid)
        time.sleep(IDLE_SECONDS)
        result["idle_cpu"] = (cpu_seconds(engine.pid) - cpu) * 100 / IDLE_SECONDS
        started = time.monotonic()
        engine.cli("pjsip show endpoints", timeout=120)
        result["list_s"] = time.monotonic() - started
        assert sipp.register(BYSTANDER, "pw00043").ok, "bystander could not register"
        started = time.monotonic()
        assert sipp.register(TARGET, "pw00042").ok, "target could not register"
        result["register_s"] = time.monotonic() - started
        if variant == "static":
            started = time.monotonic()
            engine.cli("module reload res_pjsip.so", timeout=60)
            result["noop_s"] = time.monotonic() - started
        else:
            started = time.monotonic()
            sync_rows(engine.host_path(settings.realtime_db), endpoint_rows(before, settings.media_address))
            result["noop_s"] = time.monotonic() - started
        # A call held through the change: it must end normally with our BYE.
        with _BackgroundCall(sipp) as held:
            time.sleep(0.5)
            started = time.monotonic()
            if variant == "static":
                engine.write_file("pjsip.conf", static_pjsip_conf(settings, after))
                engine.cli("module reload res_pjsip.so", timeout=60)
            else:
                changed = sync_rows(engine.host_path(settings.realtime_db),
                                    endpoint_rows(after, settings.media_address))
                if variant == "realtime+cache":
                    for table, ids in changed.items():
                        for object_id in ids:
                            engine.cli(f"sorcery memory cache expire {TYPES[table]}_cache {object_id}")
            result["apply_s"] = time.monotonic() - started
            result["attempts"] = 1
            while not sipp.register(TARGET, "new-secret").ok and result["attempts"] < 60:
                result["attempts"] += 1
                time.sleep(0.05)
            result["live_s"] = time.monotonic() - started
            result["old_refused"] = sipp.register_expect_401(TARGET, "pw00042").ok
            result["call_kept"] = held.wait().ok
        contacts = engine.cli(f"pjsip show aor {BYSTANDER}")
        result["bystander_kept"] = f"{BYSTANDER}/sip:" in contacts
        if load:
            cpu = cpu_seconds(engine.pid)
            ok, failed, seconds = register_load(sipp.workdir / "load", settings, load, rate=200)
            result["load"] = f"{ok} ok / {failed} failed in {seconds:.1f} s"
            result["cpu_ms_per_register"] = (cpu_seconds(engine.pid) - cpu) * 1000 / max(ok, 1)
    finally:
        engine.stop()
        shutil.rmtree(engine.host_path(engine.instance_dir), ignore_errors=True)
    return result


class _BackgroundCall:
    """Hold a call (caller -> echo test) open in a thread while the change is applied."""

    def __init__(self, sipp):
        self.sipp, self.result = sipp, None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        self.result = self.sipp.call(CALLER, "pw00044", "*43", hold_seconds=4)

    def wait(self):
        """Wait (bounded) for the call to end; return its SippResult."""
        self.thread.join(timeout=60)
        return self.result

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.thread.join(timeout=60)


def main():
    """Run every variant and print the results as a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10000)
    parser.add_argument("--load", type=int, default=2000, help="REGISTERs in the CPU-cost run (0: skip)")
    parser.add_argument("--variants", default="static,realtime,realtime+cache")
    args = parser.parse_args()
    root = engine_root.build()
    results = [run_variant(v, args.devices, root, args.load) for v in args.variants.split(",")]
    columns = [
        ("variant", "storage", "{}"), ("boot_s", "boot s", "{:.2f}"), ("rss_mb", "RSS MB", "{:.0f}"),
        ("idle_cpu", "idle CPU %", "{:.1f}"), ("list_s", "show endpoints s", "{:.2f}"),
        ("register_s", "1 REGISTER s", "{:.3f}"), ("noop_s", "no-op apply s", "{:.3f}"),
        ("apply_s", "apply 1 change s", "{:.3f}"), ("live_s", "change live s", "{:.3f}"),
        ("attempts", "REGISTER tries", "{}"), ("old_refused", "old pw refused", "{}"),
        ("call_kept", "call kept", "{}"), ("bystander_kept", "other reg kept", "{}"),
        ("load", f"{args.load} REGISTERs @200/s", "{}"), ("cpu_ms_per_register", "CPU ms/REGISTER", "{:.2f}"),
    ]
    print(f"\n{args.devices} devices; engine root {root}\n")
    print("| " + " | ".join(title for _, title, _ in columns) + " |")
    print("|" + "---|" * len(columns))
    for r in results:
        print("| " + " | ".join(fmt.format(r[key]) if key in r else "-" for key, _, fmt in columns) + " |")


if __name__ == "__main__":
    main()
