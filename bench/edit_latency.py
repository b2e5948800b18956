"""Every kind of single edit at 10,000 extensions, 200 routes and 50 trunks: the web request's time, and liveness.

    .venv/bin/python -m bench.edit_latency [--extensions 10000] [--routes 200] [--trunks 50] [--edits 20]

Each edit goes through the admin's web page (a Flask test client of the real app, logged in, CSRF
and all: the view, the service, the engine sync, the template), timed from the request to its
response. Right after the response one check asks Asterisk whether the edit is live: a REGISTER
with the new credentials (or, for a deleted extension, a REGISTER that must now be refused), or
the dialplan showing a route or ring group as saved. When that first check passes, the edit was
live by the time the page answered ("live at return"); when it does not, the check repeats and
the time until it passes is reported. The check's own cost (starting SIPp, the CLI) is not added.
Goal (issue 18): p95 <= 0.25 s for both, over ``--edits`` edits of each kind.
"""
import argparse
import statistics
import time

from appliance import db
from appliance.models.extensions import Device, Extension
from appliance.models.groups import RingGroup
from appliance.models.outbound import OutboundRoute, RoutePattern, RouteTrunk
from appliance.models.trunks import Trunk
from appliance.services import Actor, engine_sync, groups, users
from bench.common import pbx
from tests.conftest import csrf_token
from tests.engine.sipp import Sipp
from web import create_app

ACTOR = Actor.system("bench")
ADMIN_PASSWORD = "Correct-Horse-Bench-42"


def _bulk_routing(routes, trunks):
    """Insert ``trunks`` IP trunks and ``routes`` routes over them straight into the tables (set-up)."""
    with db.database.atomic():
        ids = [Trunk.create(name=f"Operadora {i:02d}", host=f"10.1.{i // 250}.{i % 250 + 1}", kind="ip",
                            qualify_seconds=0).id for i in range(trunks)]
        for i in range(routes):
            route = OutboundRoute.create(name=f"Rota {i:03d}", position=i, permission_class="national")
            RoutePattern.create(route=route, pattern=f"08{i:03d}XXXXX", strip=1, prepend="+55")
            RouteTrunk.create(route=route, trunk=ids[i % len(ids)])
    RingGroup.create(number="97000", name="Vendas")


class Admin:
    """The admin's browser: a logged-in test client of the real web app."""

    def __init__(self, app):
        self.client = app.test_client()
        token = csrf_token(self.client.get("/login").get_data(as_text=True))
        response = self.client.post("/login", data={"username": "admin", "password": ADMIN_PASSWORD,
                                                    "csrf_token": token})
        if response.status_code != 302:
            raise RuntimeError(f"login failed: {response.status_code}")
        self.token = csrf_token(self.client.get("/telephony/extensions/new").get_data(as_text=True))

    def post(self, path, **data):
        """POST a form; return (response, seconds)."""
        started = time.perf_counter()
        response = self.client.post(path, data={**data, "csrf_token": self.token})
        elapsed = time.perf_counter() - started
        if response.status_code >= 400:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.get_data(as_text=True)[:300]}")
        return response, elapsed


def _live(check, returned, timeout=10.0):
    """Return (seconds until ``check()`` passed counted from the request, whether it passed at once)."""
    if check():
        return returned, True
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if check():
            return returned + time.perf_counter() - started, False
        time.sleep(0.01)
    raise RuntimeError("the edit never became live")


def run(args):
    """Yield (kind, [(request seconds, live seconds, live at return)...]) for each kind of edit."""
    results = {}
    with pbx(args.extensions, before_start=lambda: _bulk_routing(args.routes, args.trunks)) as (engine, workdir):
        users.create(users.UserInput("admin", ADMIN_PASSWORD, "Admin", role="admin", language="en"), ACTOR)
        app = create_app({"DATABASE_URL": f"sqlite:///{workdir / 'app.db'}",
                          "VAR_DIR": str(workdir), "SECRET_KEY": "bench", "ENGINE_ENABLED": False,
                          "WTF_CSRF_ENABLED": True})
        engine_sync.configure(engine)
        sipp = Sipp(engine.settings.sip_port, workdir=workdir / "sipp")
        admin = Admin(app)

        def registers(username):
            password = Device.get(Device.sip_username == username).sip_password
            return lambda: sipp.register(username, password, expires=0).ok

        def record(kind, returned, check):
            results.setdefault(kind, []).append((returned, *_live(check, returned)))

        for i in range(args.edits):
            number = str(90000 + i)
            _, returned = admin.post("/telephony/extensions/new", number=number, name=f"Novo {i}")
            record("new extension (page), until its REGISTER succeeds", returned, registers(number))

            extension = Extension.get(Extension.number == number)
            device = extension.devices[0]
            _, returned = admin.post(f"/telephony/devices/{device.id}/new-password")
            record("new SIP password (page), until REGISTER with it succeeds", returned,
                   registers(device.sip_username))

            _, returned = admin.post(f"/telephony/extensions/{extension.id}/devices", label=f"Softphone {i}")
            added = Device.select().where(Device.extension == extension.id).order_by(Device.id.desc()).first()
            record("new device (page), until its REGISTER succeeds", returned, registers(added.sip_username))

            group = RingGroup.get(RingGroup.number == "97000")
            data = groups.RingGroupInput("97000", "Vendas", members=[str(2000 + i), number])
            started = time.perf_counter()
            groups.save_ring_group(data, ACTOR, group.id)
            returned = time.perf_counter() - started
            record("ring group member (service), until the dialplan shows it", returned,
                   lambda number=number: number in engine.cli("dialplan show 97000@internal"))

            route = OutboundRoute.get(OutboundRoute.position == (i * 7) % args.routes)
            pattern = f"0899{i:02d}XXXX"
            trunk_id = RouteTrunk.get(RouteTrunk.route == route.id).trunk_id
            _, returned = admin.post(f"/telephony/outbound/{route.id}", **{
                "name": route.name, "permission_class": "national", "enabled": "y",
                "patterns-0-pattern": pattern, "patterns-0-strip": "1", "patterns-0-prepend": "+55",
                "patterns-0-result": "e164", "trunks-0": str(trunk_id), "trunks-1": "0", "trunks-2": "0",
                "trunks-3": "0"})
            record("outbound route pattern (page), until the dialplan shows it", returned,
                   lambda pattern=pattern, route=route: pattern in engine.cli(f"dialplan show cn-route-{route.id}"))

            old = [(d.sip_username, d.sip_password) for d in extension.devices]
            _, returned = admin.post(f"/telephony/extensions/{extension.id}/delete")
            record("deleted extension (page), until its REGISTER is refused", returned,
                   lambda old=old: all(sipp.register_expect_401(u, p, expires=0).ok for u, p in old))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extensions", type=int, default=10000)
    parser.add_argument("--routes", type=int, default=200)
    parser.add_argument("--trunks", type=int, default=50)
    parser.add_argument("--edits", type=int, default=20)
    args = parser.parse_args()
    results = run(args)
    print(f"\nsingle edits among {args.extensions:,} extensions, {args.routes} routes, {args.trunks} trunks "
          f"({args.edits} of each; seconds), 2 cores")
    print("| edit | request p50 | request p95 | live p50 | live p95 | live when the page answered | goal |")
    print("|---|---|---|---|---|---|---|")
    for kind, rows in results.items():
        requests = sorted(r[0] for r in rows)
        lives = sorted(r[1] for r in rows)
        p95 = max(0, round(0.95 * len(rows)) - 1)
        print(f"| {kind} | {statistics.median(requests):.3f} | {requests[p95]:.3f} | "
              f"{statistics.median(lives):.3f} | {lives[p95]:.3f} | {sum(r[2] for r in rows)}/{len(rows)} | "
              f"<= 0.25 |")


if __name__ == "__main__":
    main()
