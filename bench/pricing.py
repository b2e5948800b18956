"""Pricing throughput: N outside call records priced by the daemon's job (rates.price_new), from scratch.

Set-up (not measured): a fresh database with one route (two patterns), one trunk with 200 rates
(prefixes of 3-7 digits), N call records as the CDR copy stores them. Measured: price_new() until
every record is priced, costs and roll-ups written, in the job's batches.

    .venv/bin/python -m bench.pricing --records 1000000
"""
import argparse
import datetime
import random
import shutil
import tempfile
import time
from pathlib import Path

from appliance import db, migrations
from appliance.models.outbound import OutboundRoute, RoutePattern
from appliance.models.rates import CallCost, Rate
from appliance.models.trunks import Trunk
from appliance.services import rates

_INSERT_RECORD = ("INSERT INTO call_records (calldate, src, dst, dcontext, dstchannel, billsec, disposition, uniqueid,"
                  " linkedid, sequence, clid, channel, lastapp, lastdata, duration, accountcode, userfield)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 'Dial', '', 0, '', '')")


def populate(records, seed=7):
    """Insert the route, trunk, rates and ``records`` call records; return the trunk."""
    rng = random.Random(seed)
    trunk = Trunk.create(name="Operadora", host="198.51.100.10", kind="ip")
    route = OutboundRoute.create(name="Nacional", permission_class="national")
    RoutePattern.create(route=route, pattern="0ZZ9XXXXXXXX", strip=1, prepend="+55")
    RoutePattern.create(route=route, pattern="0ZZ[2-5]XXXXXXX", strip=1, prepend="+55", position=1)
    prefixes = {"+55"} | {f"+55{rng.randint(11, 99)}{rng.randint(2, 9)}{rng.randint(0, 999):0{rng.randint(0, 3)}d}"
                          [: rng.randint(6, 10)] for _ in range(400)}
    Rate.insert_many([{"trunk": trunk.id, "prefix": p, "price_per_minute": rng.randint(100, 9000),
                       "connection_fee": rng.choice((0, 0, 350)), "minimum_seconds": 30, "increment_seconds": 6}
                      for p in sorted(prefixes)[:200]]).execute()
    start = datetime.datetime(2026, 1, 1)
    with db.database.atomic():
        for first in range(0, records, 5000):
            rows = []
            for n in range(first, min(first + 5000, records)):
                mobile = n % 3 == 0
                dst = f"0{rng.randint(11, 99)}9{rng.randint(0, 99999999):08d}" if mobile else \
                    f"0{rng.randint(11, 99)}{rng.randint(2, 5)}{rng.randint(0, 9999999):07d}"
                answered = n % 5 != 0
                rows.append((str(start + datetime.timedelta(seconds=n * 30)), str(2000 + n % 1000), dst,
                             f"cn-route-{route.id}-dial", f"PJSIP/trunk_{trunk.id}-{n:08x}",
                             rng.randint(1, 600) if answered else 0, "ANSWERED" if answered else "NO ANSWER",
                             f"1767225600.{n}", f"1767225600.{n}", n))
            # Set-up only: one prepared statement (peewee's per-batch INSERT building would take minutes).
            db.database.cursor().executemany(_INSERT_RECORD, rows)
    return trunk


def main():
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-pricing-"))
    try:
        migrations.upgrade(db.init(f"sqlite:///{workdir / 'app.db'}"))
        began = time.perf_counter()
        populate(args.records)
        print(f"set-up: {args.records:,} call records in {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        read = rates.price_new(batch=args.batch)
        elapsed = time.perf_counter() - began
        priced = CallCost.select().count()
        print("| records read | costs written | seconds | records/s |")
        print("|---|---|---|---|")
        print(f"| {read:,} | {priced:,} | {elapsed:.1f} | {read / elapsed:,.0f} |")
    finally:
        db.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
