"""Inbound mode of bench/call_setup: carrier -> DID -> extension through the generated dialplan, against a bare one.

The generated path is the whole of ``cn-from-trunk`` (the trunk's steps, the DID and the caller as
E.164, the blacklist with a few entries, the caller's name looked up in ``cn_callers``, the compiled
DID match) and then ``internal``'s call to the extension. The bare path is a second trunk whose
endpoint's context is swapped in its realtime row, behind the app's back, for one holding only
``exten => _X.,1,Dial(PJSIP/<callee>,30)``. Both carriers send from their own loopback address.
"""
from appliance.asterisk import realtime
from appliance.services import Actor, blocklist, inbound_routes, trunks
from bench import rounds
from tests.engine.sipp import Sipp

GENERATED_CARRIER = "127.0.0.71"
BARE_CARRIER = "127.0.0.72"
DID = "+551130001000"
CALLER = "11988887777"


def _bare_carrier(engine, callee, actor, control=False):
    """Give the engine a carrier whose calls run a bare Dial: a trunk like the other, its context swapped.

    Its endpoint row is the generated trunk's (same rendering); only its context is rewritten in
    the realtime table, behind the app's back, to one holding ``Dial(PJSIP/<callee>)``.
    """
    trunk = trunks.save_trunk(trunks.TrunkInput(name="Bench bare carrier", host=BARE_CARRIER, kind="ip",
                                                match=BARE_CARRIER, qualify_seconds=0), actor)
    # The control (A/A): every trunk is swapped, the generated side's too, so both sides run the same Dial.
    swapped = trunks.list_trunks() if control else [trunk]
    with realtime.connect(engine.host_path(engine.settings.realtime_db)) as conn:
        conn.executemany("UPDATE ps_endpoints SET context = 'bench-bare-in' WHERE id = ?",
                         [(f"trunk_{t.id}",) for t in swapped])
    etc = engine.host_path(engine.instance_dir / "etc" / "extensions.conf")
    bare = f"\n[bench-bare-in]\nexten => _X.,1,Dial(PJSIP/{callee},30)\nexten => _+X.,1,Dial(PJSIP/{callee},30)\n"
    engine.write_file("extensions.conf", etc.read_text() + bare)
    engine.cli("dialplan reload")


def prepare(engine, callee_number, control=False):
    """Make the generated path realistic: a trunk with a channel limit, a route, a few blacklist entries.

    ``control``: the generated carrier's trunk runs the bare Dial as well, so the ratio printed is the
    bench's own noise floor (an A/A run: 1.0 but for the noise).
    """
    actor = Actor.system("bench")
    trunks.save_trunk(trunks.TrunkInput(name="Bench carrier", host=GENERATED_CARRIER, kind="ip",
                                        match=GENERATED_CARRIER, qualify_seconds=0, area_code="11",
                                        max_channels=1000), actor)
    inbound_routes.save_route(inbound_routes.InboundRouteInput(did=DID, destination=f"extension:{callee_number}"),
                              actor)
    for number in ("+5511900000001", "+5511900000002", "+55303"):
        blocklist.add(blocklist.BlockInput("in", "prefix" if len(number) < 8 else "exact", number), actor)
    _bare_carrier(engine, callee_number, actor, control)


def run(args, engine, workdir, cached):
    """Run both carriers' loads in interleaved rounds; print the table. The UAS must be answering already."""
    generated = Sipp(engine.settings.sip_port, workdir=workdir / "carrier", timeout=120,
                     local_host=GENERATED_CARRIER)
    bare = Sipp(engine.settings.sip_port, workdir=workdir / "bare", timeout=120, local_host=BARE_CARRIER)
    sides = [rounds.Side(name, label, lambda sipp=sipp: sipp.carrier_load(DID, CALLER, calls=args.calls,
                                                                          rate=args.rate))
             for name, label, sipp in (("bare", "bare `_X.,1,Dial(PJSIP/<ext>)`", bare),
                                       ("generated", "bare again (control)" if args.control
                                        else "generated (`cn-from-trunk`)", generated))]
    rounds.warm_up(*sides, args.warmup)
    runs = [rounds.interleave(*sides, args.rounds, args.calls, engine.pid) for _ in range(args.runs)]
    rounds.report(f"inbound call set-up (carrier -> DID -> extension), {args.extensions} extensions ({cached} "
                  f"cached), {args.runs} run(s) x {args.rounds} "
                  f"interleaved rounds x {args.calls} calls offered at {args.rate}/s after {args.warmup} unmeasured",
                  *sides, runs)
