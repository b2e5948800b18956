"""Inbound mode of bench/call_setup: carrier -> DID -> extension through the generated dialplan, against a bare one.

The generated path is the whole of ``cn-from-trunk`` (the trunk's steps, the DID and the caller as
E.164, the blacklist with a few entries, the caller's name looked up in ``cn_callers``, the compiled
DID match) and then ``internal``'s call to the extension. The bare path is a second trunk whose
endpoint's context is swapped in pjsip.conf, behind the app's back, for one holding only
``exten => _X.,1,Dial(PJSIP/<callee>,30)``. Both carriers send from their own loopback address.
"""
import statistics

from appliance.services import Actor, blocklist, inbound_routes, trunks
from tests.engine.sipp import Sipp

GENERATED_CARRIER = "127.0.0.71"
BARE_CARRIER = "127.0.0.72"
DID = "+551130001000"
CALLER = "11988887777"


def _bare_carrier(engine, callee, actor):
    """Give the engine a carrier whose calls run a bare Dial: a trunk like the other, its context swapped.

    Its endpoint options are the generated trunk's (same rendering); only its context is rewritten in
    pjsip.conf, behind the app's back, to one holding ``Dial(PJSIP/<callee>)``.
    """
    trunk = trunks.save_trunk(trunks.TrunkInput(name="Bench bare carrier", host=BARE_CARRIER, kind="ip",
                                                match=BARE_CARRIER, qualify_seconds=0), actor)
    path = engine.host_path(engine.instance_dir / "etc" / "pjsip.conf")
    sections = path.read_text().split("\n[")
    endpoint = f"trunk_{trunk.id}]\ntype = endpoint\n"
    sections = [section.replace("context = cn-from-trunk", "context = bench-bare-in")
                if section.startswith(endpoint) else section for section in sections]
    engine.write_file("pjsip.conf", "\n[".join(sections))
    etc = engine.host_path(engine.instance_dir / "etc" / "extensions.conf")
    bare = f"\n[bench-bare-in]\nexten => _X.,1,Dial(PJSIP/{callee},30)\nexten => _+X.,1,Dial(PJSIP/{callee},30)\n"
    engine.write_file("extensions.conf", etc.read_text() + bare)
    engine.cli("module reload res_pjsip.so")
    engine.cli("dialplan reload")


def prepare(engine, callee_number):
    """Make the generated path realistic: a trunk with a channel limit, a route, a few blacklist entries."""
    actor = Actor.system("bench")
    trunks.save_trunk(trunks.TrunkInput(name="Bench carrier", host=GENERATED_CARRIER, kind="ip",
                                        match=GENERATED_CARRIER, qualify_seconds=0, area_code="11",
                                        max_channels=1000), actor)
    inbound_routes.save_route(inbound_routes.InboundRouteInput(did=DID, destination=f"extension:{callee_number}"),
                              actor)
    for number in ("+5511900000001", "+5511900000002", "+55303"):
        blocklist.add(blocklist.BlockInput("in", "prefix" if len(number) < 8 else "exact", number), actor)
    _bare_carrier(engine, callee_number, actor)


def run(args, engine, workdir):
    """Run both carriers' loads in alternating rounds; print the table. The UAS must be answering already."""
    generated = Sipp(engine.settings.sip_port, workdir=workdir / "carrier", timeout=120,
                     local_host=GENERATED_CARRIER)
    bare = Sipp(engine.settings.sip_port, workdir=workdir / "bare", timeout=120, local_host=BARE_CARRIER)
    rates = {"generated": [], "bare": []}
    failed = {"generated": 0, "bare": 0}
    for round_number in range(args.rounds):
        order = [("bare", bare), ("generated", generated)]
        for name, sipp in order[::1 if round_number % 2 == 0 else -1]:
            result = sipp.carrier_load(DID, CALLER, calls=args.calls, rate=args.rate)
            ok = int(result.stats.get("SuccessfulCall(C)", 0))
            failed[name] += args.calls - ok
            rates[name].append(ok / result.stats["wall_seconds"])
    ratios = [g / b for g, b in zip(rates["generated"], rates["bare"], strict=True)]
    print(f"\ninbound call set-up (carrier -> DID -> extension), {args.rounds} rounds x {args.calls} calls offered "
          f"at {args.rate}/s")
    print("| dialplan | calls/s (median) | rounds | failed calls |")
    print("|---|---|---|---|")
    for name, label in (("bare", "bare `_X.,1,Dial(PJSIP/<ext>)`"), ("generated", "generated (`cn-from-trunk`)")):
        print(f"| {label} | {statistics.median(rates[name]):.1f} | "
              f"{', '.join(f'{r:.1f}' for r in rates[name])} | {failed[name]} |")
    print(f"\nratio generated/bare per round: {', '.join(f'{r:.3f}' for r in ratios)}; "
          f"median {statistics.median(ratios):.3f} (goal >= 0.95, 0 failed)")
