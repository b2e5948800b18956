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
    .venv/bin/python -m bench.apply_scale --routes 200 [--sizes 10000]

``--routes N``: N outbound routes (one pattern each, one trunk) beside the largest size's extensions;
one route's pattern is changed through the service and timed until Asterisk's dialplan shows it.
"""
import argparse
import threading
import time

from appliance import db
from appliance.asterisk import confgen
from appliance.models.extensions import Device, Extension
from appliance.models.outbound import OutboundRoute, RoutePattern, RouteTrunk
from appliance.models.trunks import Trunk
from appliance.services import Actor, engine_rows, engine_sync, extensions, outbound_routes
from bench.common import pbx, timed
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
    parser.add_argument("--routes", type=int, default=0)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
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
