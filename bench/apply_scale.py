"""Compile + apply time for 100 / 1,000 / 10,000 extensions, and one edit at the largest size.

For each size: a fresh app database with that many extensions; Asterisk started
empty; then the full compile (rows + files) and the apply to the running Asterisk
are timed. At the largest size, three edits through the service layer are timed
until the next SIP request sees them:
- a new SIP password: until a REGISTER with it succeeds (realtime row, no reload);
- a renamed extension: until the apply returns (realtime row, no reload);
- a new extension: until its phone has registered and a call to it is answered. Calls
  follow the extension's realtime rows (decision 007); its BLF hint still reloads the
  dialplan, which the service waits for, so the call is placed from another thread
  as soon as the new device's password is committed.

    .venv/bin/python -m bench.apply_scale [--sizes 100,1000,10000]
    .venv/bin/python -m bench.apply_scale --trunks [--sizes 10000]

With ``--trunks``: at each size, a carrier registrar (a second Asterisk on 127.0.0.2 and
127.0.0.3, tests/engine/carrier_pbx.py) and a registration trunk created, then moved to the
carrier's other address and port, through ``trunks.save_trunk``: how long save_trunk takes
(sync + res_pjsip reload), then from its return until ``pjsip show registrations`` lists the new
server and until it shows it Registered there; and a bare ``module reload res_pjsip.so``.

    .venv/bin/python -m bench.apply_scale --routes 200 [--sizes 10000]

``--routes N``: N outbound routes (one pattern each, one trunk) beside the largest size's extensions;
one route's pattern is changed through the service and timed until Asterisk's dialplan shows it.
"""
import argparse
import threading
import time

from appliance import db
from appliance.asterisk import confgen
from appliance.asterisk.engine import EngineError
from appliance.models.extensions import Device, Extension
from appliance.models.outbound import OutboundRoute, RoutePattern, RouteTrunk
from appliance.models.trunks import Trunk
from appliance.services import Actor, engine_rows, engine_sync, extensions, outbound_routes, trunks
from bench.common import pbx, timed
from tests.engine.carrier_pbx import carrier
from tests.engine.sipp import Sipp

ACTOR = Actor.system("bench")


def _until(check, limit=30.0):
    """Return seconds until ``check()`` is true (polled), or raise after ``limit`` seconds."""
    started = time.perf_counter()
    while not check():
        if time.perf_counter() - started > limit:
            raise RuntimeError("change not seen in time")
    return time.perf_counter() - started


def measure(size, edits):
    """Return the timings for ``size`` extensions (and the edits when asked)."""
    with pbx(size, start_empty=True) as (engine, workdir):
        (devices, rows), collect = timed(lambda: (engine_rows.engine_devices(), engine_rows.engine_extensions()))
        _, render = timed(lambda: (confgen.render_all(confgen.EngineInput(engine.settings, tuple(devices))),
                                   confgen.endpoint_rows(devices, engine.settings.media_address, rows)))
        result, apply = timed(engine_sync.sync, engine)
        _, noop = timed(engine_sync.sync, engine)
        row = {"size": size, "collect": collect, "render": render, "apply": apply, "noop": noop,
               "reloaded": ",".join(result.reloaded)}
        if edits:
            sipp = Sipp(engine.settings.sip_port, workdir=workdir / "sipp")
            target = Extension.get(Extension.number == str(2000 + size // 2))
            started = time.perf_counter()
            password = extensions.regenerate_password(target.devices[0].id, ACTOR)
            _until(lambda: sipp.register(target.number, password).ok)
            row["password_live"] = time.perf_counter() - started
            _, row["rename"] = timed(extensions.update, target.id,
                                     extensions.ExtensionChanges("Renomeado", True), ACTOR)
            caller = Extension.get(Extension.number == "2000").devices[0]
            started = time.perf_counter()
            create = threading.Thread(target=extensions.create,
                                      args=(extensions.ExtensionInput("88888", "Novo"), ACTOR))
            create.start()
            _until(lambda: Device.select().where(Device.sip_username == "88888").exists())
            password = Device.get(Device.sip_username == "88888").sip_password
            _until(lambda: sipp.register("88888", password, expires=1).ok)
            with sipp.uas("88888", password, calls=1):
                _until(lambda: sipp.call("2000", caller.sip_password, "88888", hold_seconds=0).ok)
                row["new_extension_callable"] = time.perf_counter() - started
            create.join()
            row["new_extension_created"] = time.perf_counter() - started
        return row


def _registration_line(engine, prefix="trunk_"):
    return next((line for line in engine.cli("pjsip show registrations").splitlines()
                 if line.strip().startswith(prefix) and "/" in line), "")


def _trunk_change(engine, data, trunk_id=None, registers=True):
    """Save ``data`` while watching Asterisk from another thread.

    Return (trunk, {"save": seconds save_trunk took, "listed"/"registered": seconds from the call
    until ``pjsip show registrations`` lists the server, then shows it Registered}).
    """
    server = f"sip:{data.host}:{data.port}"
    seen = {}
    done = threading.Event()

    def watch():
        while not done.is_set() and "registered" not in seen:
            try:
                line = _registration_line(engine)
            except EngineError:  # the CLI raced a file being replaced: ask again
                time.sleep(0.01)
                continue
            now = time.perf_counter() - started
            if server in line:
                seen.setdefault("listed", now)
                if " Registered" in line:
                    seen.setdefault("registered", now)
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    started = time.perf_counter()
    watcher.start()
    trunk = trunks.save_trunk(data, ACTOR, trunk_id)
    seen["save"] = time.perf_counter() - started
    if not registers:
        done.set()
    watcher.join(30)
    if registers and "registered" not in seen:
        raise RuntimeError(f"trunk not registered at {server} in time")
    return trunk, seen


def measure_trunks(size):
    """Return trunk timings with ``size`` extensions: create, move, and a bare res_pjsip reload."""
    with pbx(size, start_empty=True) as (engine, _), \
            carrier("127.0.0.2", {"acct": "Carrier-Secret-1"}, also_on="127.0.0.3") as registrar:
        engine_sync.sync(engine)
        data = trunks.TrunkInput(name="Operadora", host="127.0.0.2", port=registrar.settings.sip_port,
                                 username="acct", password="Carrier-Secret-1")
        changes = []
        trunk, seen = _trunk_change(engine, data)
        changes.append(("new trunk (rows; identify + registration reloads)", seen))
        data.expiry, data.password = 900, None
        changes.append(("expiry (registration reload only)", _trunk_change(engine, data, trunk.id, False)[1]))
        data.name = "Operadora renomeada"
        changes.append(("name (a comment: no reload)", _trunk_change(engine, data, trunk.id, False)[1]))
        data.host, data.port = "127.0.0.3", registrar.also_port
        changes.append(("new host and port (rows; identify + registration reloads)",
                        _trunk_change(engine, data, trunk.id)[1]))
        # The AMI adapter gives up after 5 s; the CLI waits as long as the reload takes.
        reloads = [timed(engine.cli, "module reload res_pjsip.so", timeout=120)[1] for _ in range(3)]
        _, collect = timed(engine_rows.collect, engine.settings, engine_sync.feature_codes())
        return {"size": size, "changes": changes, "reload": sorted(reloads)[1], "collect": collect}


def _print_trunks(rows):
    print("\ntrunk changes with N extensions (seconds from the save_trunk call; median of 3 bare reloads), 2 cores")
    print("| extensions | change | save_trunk returned | new server listed in `pjsip show registrations` | "
          "Registered there | bare `module reload res_pjsip.so` | collect rows |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        for label, seen in row["changes"]:
            listed, registered = (f"{seen[key]:.3f}" if key in seen else "" for key in ("listed", "registered"))
            print(f"| {row['size']:,} | {label} | {seen['save']:.3f} | {listed} | {registered} | "
                  f"{row['reload']:.3f} | {row['collect']:.3f} |")


def _bulk_routes(count, trunk_id):
    """Insert ``count`` routes (0800 + 3 digits each, one trunk) straight into the tables (set-up, not measured)."""
    with db.database.atomic():
        for i in range(count):
            route = OutboundRoute.create(name=f"Rota {i:03d}", position=i, permission_class="national")
            RoutePattern.create(route=route, pattern=f"08{i:03d}XXXXX", strip=1, prepend="+55")
            RouteTrunk.create(route=route, trunk=trunk_id)


def measure_routes(size, count):
    """Return the seconds one route change takes to be live among ``size`` extensions and ``count`` routes.

    The trunk and the routes are in the database before Asterisk starts (set-up, not measured).
    """
    with pbx(size, before_start=lambda: _bulk_routes(count, Trunk.create(
            name="Bench", host="127.0.0.2", kind="ip", qualify_seconds=0).id)) as (engine, _):
        route = OutboundRoute.get(OutboundRoute.position == count // 2)
        trunk_id = RouteTrunk.get(RouteTrunk.route == route.id).trunk_id
        changed = outbound_routes.RouteInput(route.name, "national", [
            outbound_routes.PatternInput("0899XXXXXX", 1, "+55")], [trunk_id])
        started = time.perf_counter()
        outbound_routes.save_route(changed, ACTOR, route.id)
        returned = time.perf_counter() - started
        live = returned + _until(lambda: "0899XXXXXX" in engine.cli(f"dialplan show cn-route-{route.id}"))
        return {"size": size, "routes": count, "returned": returned, "live": live}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--trunks", action="store_true", help="time trunk changes instead")
    parser.add_argument("--routes", type=int, default=0, help="time one route change among this many routes")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    if args.trunks:
        _print_trunks([measure_trunks(size) for size in sizes])
        return
    if args.routes:
        row = measure_routes(max(sizes), args.routes)
        print(f"\none outbound route changed among {row['routes']} routes and {row['size']:,} extensions (seconds)")
        print("| edit | seconds | goal |")
        print("|---|---|---|")
        print(f"| route pattern changed, until save_route() returned | {row['returned']:.3f} | |")
        print(f"| route pattern changed, until Asterisk's dialplan shows it | {row['live']:.3f} | <= 1 |")
        return
    rows = [measure(size, edits=size == max(sizes)) for size in sizes]
    print("\ncompile + apply to a running Asterisk (seconds), 2 cores")
    print("| extensions | collect rows | render | first apply | no-op apply | reloaded |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['size']:,} | {row['collect']:.3f} | {row['render']:.3f} | {row['apply']:.3f} | "
              f"{row['noop']:.3f} | {row['reloaded']} |")
    last = rows[-1]
    print(f"\none edit among {last['size']:,} extensions, until the next SIP request sees it (seconds)")
    print("| edit | seconds | goal |")
    print("|---|---|---|")
    print(f"| new SIP password, until REGISTER with it succeeds | {last['password_live']:.3f} | <= 1 |")
    print(f"| rename (caller ID), apply returned | {last['rename']:.3f} | <= 1 |")
    print(f"| new extension, until its phone registered and a call to it was answered | "
          f"{last['new_extension_callable']:.3f} | <= 1 |")
    print(f"| new extension, until create() returned (rows only: no file changes) | "
          f"{last['new_extension_created']:.3f} | |")


if __name__ == "__main__":
    main()
