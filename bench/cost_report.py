"""Cost report latency on N priced calls: the monthly report per center, extension and destination class.

Set-up (not measured): a fresh database with N call costs over 12 months (50 cost centers,
2,000 extensions each in one center or none, 6 destination classes), written straight into
call_costs (foreign keys off for the set-up: no call records behind them), then the roll-ups
rebuilt from them as re-pricing does.
Measured: cost_centers.report() for a random month and grouping, ``--queries`` times; p50/p95/max,
and the query plan. For comparison, the same report straight from call_costs (one month's rows).

    .venv/bin/python -m bench.cost_report --records 10000000
"""
import argparse
import datetime
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from peewee import fn

from appliance import db, migrations
from appliance.models.rates import CallCost
from appliance.services import cost_centers

CLASSES = ("local", "national", "mobile", "international", "premium", "collect")
_INSERT = ("INSERT INTO call_costs (record_id, calldate, trunk_id, rate_id, extension, cost_center_id,"
           " destination_class, number, billed_seconds, cost_cents, priced_at)"
           " VALUES (?, ?, 1, NULL, ?, ?, ?, '', ?, ?, ?)")


def populate(records, seed=11):
    """Write ``records`` call costs over 2026 and rebuild the roll-ups; return seconds taken."""
    rng = random.Random(seed)
    start, span = datetime.datetime(2026, 1, 1), 365 * 86400
    began = time.perf_counter()
    db.database.execute_sql("PRAGMA foreign_keys = OFF")
    cursor = db.database.cursor()
    with db.database.atomic():
        for first in range(0, records, 20000):
            rows = []
            for n in range(first, min(first + 20000, records)):
                seconds, extension = rng.randint(30, 600), 2000 + rng.randint(0, 1999)
                # An extension belongs to one center (every 10th to none), as memberships make it.
                center = 0 if extension % 10 == 0 else extension % 50 + 1
                rows.append((n + 1, str(start + datetime.timedelta(seconds=n * span // records)),
                             str(extension), center, rng.choice(CLASSES), seconds,
                             seconds * rng.randint(1, 80) // 60, "2026-12-31 00:00:00"))
            cursor.executemany(_INSERT, rows)
    with db.database.atomic():
        cost_centers.rebuild_rollups(start, start + datetime.timedelta(days=366))
    return time.perf_counter() - began


def _direct(month, group):
    """The same report without roll-ups: one month's call costs grouped (for comparison)."""
    first = datetime.datetime(int(month[:4]), int(month[5:]), 1)
    following = datetime.datetime(first.year + (first.month == 12), first.month % 12 + 1, 1)
    column = {"center": CallCost.cost_center_id, "extension": CallCost.extension,
              "class": CallCost.destination_class}[group]
    return list(CallCost.select(column, fn.COUNT(CallCost.id), fn.SUM(CallCost.billed_seconds),
                                fn.SUM(CallCost.cost_cents))
                .where((CallCost.calldate >= first) & (CallCost.calldate < following)).group_by(column).tuples())


def _times(function, queries, rng):
    times = []
    for _ in range(queries):
        month, group = f"2026-{rng.randint(1, 12):02d}", rng.choice(("center", "extension", "class"))
        began = time.perf_counter()
        function(month, group)
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], times[-1]


def main():
    """Run the benchmark and print its table and the query plan."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--direct-queries", type=int, default=10)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-costs-"))
    rng = random.Random(3)
    try:
        migrations.upgrade(db.init(f"sqlite:///{workdir / 'app.db'}"))
        print(f"set-up: {args.records:,} call costs and their roll-ups in {populate(args.records):.0f} s")
        rollups = db.database.execute_sql("SELECT COUNT(*) FROM cost_rollups").fetchone()[0]
        print(f"roll-up rows: {rollups:,}")
        print("| report | queries | p50 ms | p95 ms | max ms |")
        print("|---|---|---|---|---|")
        p50, p95, worst = _times(lambda m, g: cost_centers.report(m, g), args.queries, rng)
        print(f"| from roll-ups (cost_centers.report) | {args.queries} | {p50:.2f} | {p95:.2f} | {worst:.2f} |")
        p50, p95, worst = _times(_direct, args.direct_queries, rng)
        print(f"| straight from call_costs (one month) | {args.direct_queries} | {p50:.0f} | {p95:.0f} | {worst:.0f} |")
        query = cost_centers.report_query("2026-06", "extension")
        sql, params = query.sql()
        print("\nquery plan of the report (month 2026-06, per extension):")
        for row in db.database.execute_sql("EXPLAIN QUERY PLAN " + sql, params):
            print("  ", row[-1])
    finally:
        db.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
