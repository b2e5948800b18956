"""Call set-up rate through the generated dialplan against a bare one, on the same Asterisk, same run.

Two callers place the same load of short calls (INVITE with digest auth, answered,
hung up at once) to the same answering SIPp: one device lives in the generated
``internal`` context, the other in a bare context holding only
``exten => _X.,1,Dial(PJSIP/${EXTEN})``. The rounds interleave the two (bench/rounds.py) and
each is measured as calls per second and as Asterisk CPU per call; the median of the per-round
ratios is the goal (>= 0.95, 0 failed calls), ``--runs 2`` shows whether it is stable.

    .venv/bin/python -m bench.call_setup [--extensions 1000] [--calls 600] [--rate 60] [--rounds 3] [--runs 1]
                                         [--warmup 4]

``--mode outbound``: the same, extension -> route -> carrier. A SIPp carrier on 127.0.0.2 answers an
IP-authenticated trunk; the generated caller (default profile, Brazilian preset routes) dials a
national number, the bare one ``Dial(PJSIP/${EXTEN}@trunk_<id>)`` the same number.

``--mode inbound``: carrier -> DID -> extension through ``cn-from-trunk`` against a trunk whose
context is a bare ``Dial(PJSIP/<extension>)`` (bench/call_setup_inbound.py); ``--control`` gives both
trunks the bare context, an A/A run whose ratio is the bench's noise floor.
"""
import argparse
import os
import subprocess

from appliance.asterisk import confgen, extension_cache, realtime
from appliance.asterisk.ami import Ami, AmiSettings
from appliance.models.extensions import Device
from appliance.services import Actor, call_profiles, extensions, outbound_presets, trunks
from bench import call_setup_inbound, rounds
from bench.common import pbx
from tests.engine.sipp import Sipp, SippProcess, free_port

BARE_CONTEXT = "\n[bench-bare]\nexten => _X.,1,Dial(PJSIP/${EXTEN},30)\n"
#: The outbound mode's carrier address and the national number dialled (0 + area code + number).
CARRIER = "127.0.0.2"
NATIONAL = "01133334444"


def _outbound(engine, workdir, total):
    """Set up a carrier answering ``total`` calls, a trunk to it and the preset routes; return (carrier, bare)."""
    port = free_port()
    trunk = trunks.save_trunk(trunks.TrunkInput(name="Bench carrier", host=CARRIER, kind="ip", port=port,
                                                qualify_seconds=0, number_format="e164"), Actor.system("bench"))
    outbound_presets.apply_brazilian_preset("11", [trunk.id], Actor.system("bench"))
    default = call_profiles.default_profile()
    # No caps: at load one caller has dozens of calls up at once.
    call_profiles.save_profile(call_profiles.ProfileInput(default.name, list(default.class_list), 0, 0, 0),
                               Actor.system("bench"), default.id)
    sipp = Sipp(5060, local_host=CARRIER, workdir=workdir / "carrier")
    scenario = sipp._scenario("carrier_answer.xml")
    cmd, run_dir = sipp._command(scenario, port=port, calls=total, timeout=600 + total // 20, extra=["-aa"])
    cmd.remove("-trace_msg")
    carrier = SippProcess(cmd, run_dir, 600)
    if not carrier.wait_listening(CARRIER, [port]):
        raise RuntimeError(f"the carrier did not start: {carrier.wait()}")
    return carrier, f"\n[bench-bare]\nexten => _X.,1,Dial(PJSIP/${{EXTEN}}@trunk_{trunk.id},30)\n"


def _add_bare_caller(engine, username, password, context_text=BARE_CONTEXT):
    """Give the engine a caller in the bare context (rows and dialplan the app knows nothing of)."""
    device = confgen.SipDevice(username, password, "9999", "Bare caller", context="bench-bare")
    rows = confgen.endpoint_rows([device], engine.settings.media_address)
    path = engine.host_path(engine.settings.realtime_db)
    with realtime.connect(path) as conn:
        for table, table_rows in rows.items():
            for row in table_rows:
                columns = ", ".join(row)
                conn.execute(f"INSERT OR REPLACE INTO {table} ({columns}) VALUES ({', '.join('?' * len(row))})",
                             list(row.values()))
    etc = engine.host_path(engine.instance_dir / "etc" / "extensions.conf")
    engine.write_file("extensions.conf", etc.read_text() + context_text)
    engine.cli("dialplan reload")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extensions", type=int, default=1000)
    parser.add_argument("--calls", type=int, default=600)
    parser.add_argument("--rate", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", type=int, default=1, help="repeat the series to show the median's stability")
    parser.add_argument("--control", action="store_true",
                        help="inbound: both carriers' trunks run the bare Dial (A/A: the bench's noise floor)")
    parser.add_argument("--warmup", type=int, default=4, help="unmeasured rounds first (bench/rounds.py, warm_up)")
    parser.add_argument("--mode", choices=("internal", "outbound", "inbound"), default="internal")
    args = parser.parse_args()

    with pbx(args.extensions) as (engine, workdir):
        if (os.cpu_count() or 1) >= 2:
            # Asterisk alone on CPU 0, SIPp (our children) on CPU 1: the rate then measures Asterisk's
            # work per call rather than three processes fighting over two cores.
            subprocess.run(["taskset", "-a", "-p", "-c", "0", str(engine.pid)], check=True, capture_output=True)
            os.sched_setaffinity(0, {1})
        # The daemon fills the extensions' row cache at start: without it AstDB is nearly empty, and a
        # read whose cost grows with AstDB's rows (decision 054) looked free here.
        cached = extension_cache.keep(engine, check_filled=True)
        caller = Device.get(Device.sip_username == "2000")
        callee = Device.get(Device.sip_username == "2001")
        # Under load one extension takes up to -l 50 calls at once, more while they tear down: its
        # limit must allow that; and a mailbox would send the UAS MWI NOTIFYs it counts as calls.
        for device in (caller, callee):
            extensions.update(device.extension_id, extensions.ExtensionChanges(
                device.extension.name, True, voicemail_enabled=False, max_calls=500), Actor.system("bench"))
        sipp = Sipp(engine.settings.sip_port, workdir=workdir / "sipp", timeout=120)
        total = args.calls * (args.rounds * args.runs + args.warmup) * 2
        # The callee registers once: for as long as the run may last (a 300 s contact expired mid-run, and
        # every later round failed, bare and generated alike).
        answer_for = 600 + total // 20
        if args.mode == "inbound":
            call_setup_inbound.prepare(engine, callee.extension.number, args.control)
            with sipp.uas("2001", callee.sip_password, calls=total, timeout=answer_for, expires=answer_for,
                          trace=False):
                call_setup_inbound.run(args, engine, workdir, cached)
            return
        if args.mode == "outbound":
            answering, bare_context = _outbound(engine, workdir, total)
            dialled = NATIONAL
        else:
            answering, bare_context = sipp.uas("2001", callee.sip_password, calls=total, timeout=answer_for,
                                               expires=answer_for, trace=False), BARE_CONTEXT
            dialled = "2001"
        _add_bare_caller(engine, "barecaller", "bare-caller-secret-1", bare_context)
        bare_dial = "PJSIP/${EXTEN}@trunk" if args.mode == "outbound" else "PJSIP/${EXTEN}"
        path = "profile -> route -> trunk" if args.mode == "outbound" else "internal"
        bare = rounds.Side("bare", f"bare `_X.,1,Dial({bare_dial})`", lambda: sipp.call_load(
            "barecaller", "bare-caller-secret-1", dialled, calls=args.calls, rate=args.rate))
        generated = rounds.Side("generated", f"generated (`{path}`)", lambda: sipp.call_load(
            "2000", caller.sip_password, dialled, calls=args.calls, rate=args.rate))
        # The daemon's AMI session, listening as it does in production: Asterisk wakes it per event.
        with answering, Ami(AmiSettings.for_engine(engine.settings), on_event=lambda event: None):
            rounds.warm_up(bare, generated, args.warmup)
            runs = [rounds.interleave(bare, generated, args.rounds, args.calls, engine.pid)
                    for _ in range(args.runs)]
        rounds.report(f"call set-up ({args.mode}), {args.extensions} extensions ({cached} cached), "
                      f"{args.runs} run(s) x "
                      f"{args.rounds} interleaved rounds x {args.calls} calls offered at {args.rate}/s after "
                      f"{args.warmup} unmeasured, 2 cores",
                      bare, generated, runs)

if __name__ == "__main__":
    main()
