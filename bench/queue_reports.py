"""Call-center report queries on a large queue_log table (issue 14 item 9: 10,000,000 rows, p95 <= 300 ms).

Fills a fresh SQLite database (the app's migrations, so the app's indexes) with ``--rows`` queue_log
rows spread over ``--days`` days and ``--queues`` queues (a realistic mix: ENTERQUEUE, CONNECT,
COMPLETE*, ABANDON, some pauses), then times the report functions the page calls
(services/queue_reports.py) for typical filters, ``--repeat`` times each, and prints p50/p95.

    .venv/bin/python -m bench.queue_reports --rows 10000000
"""
import argparse
import datetime
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from appliance import db, migrations
from appliance.models.queues import Queue
from appliance.services import queue_reports

INSERT = ("INSERT INTO queue_log (time, callid, queue, agent, event, data1, data2, data3, data4, data5) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _rows(count, days, queues, start, seed=7):
    """Yield about ``count`` queue_log rows in time order, as Asterisk appends them and the ingest copies
    them (rowid order = time order): calls of 2-3 lines, every 20th call a pause pair."""
    rng = random.Random(seed)
    span = days * 86400
    step = span / (count / 2.8)  # about 2.8 rows per call on average
    made = call = 0
    while made < count:
        call += 1
        at = start + int(call * step)
        queue = f"q{rng.randrange(1, queues + 1)}"
        agent = str(700 + rng.randrange(50))
        callid = f"{at}.{call}"
        yield (at, callid, queue, "NONE", "ENTERQUEUE", "", "1199999", "1", "", "")
        wait = rng.randrange(90)
        if rng.random() < 0.1:
            yield (at + wait, callid, queue, "NONE", "ABANDON", "1", "1", str(wait), "", "")
            made += 2
        else:
            talk = rng.randrange(30, 600)
            yield (at + wait, callid, queue, agent, "CONNECT", str(wait), f"{callid}-a", "2", "", "")
            yield (at + wait + talk, callid, queue, agent, "COMPLETECALLER", str(wait), str(talk), "1", "", "")
            made += 3
        if call % 20 == 0:
            yield (at, "NONE", queue, agent, "PAUSE", "Almoço", "", "", "", "")
            yield (at + rng.randrange(3600), "NONE", queue, agent, "UNPAUSE", "", "", "", "", "")
            made += 2


def fill(path, rows, days, queues, start):
    """Create the database at ``path`` and bulk-load the rows (indexes built after, as a restore would)."""
    migrations.upgrade(db.init(f"sqlite:///{path}"))
    for number in range(1, queues + 1):
        Queue.create(id=number, number=str(600 + number), name=f"Fila {number}")
    db.close()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    indexes = connection.execute("SELECT name, sql FROM sqlite_master WHERE type='index' AND tbl_name='queue_log' "
                                 "AND sql IS NOT NULL").fetchall()
    for name, _ in indexes:
        connection.execute(f'DROP INDEX "{name}"')
    batch = []
    for row in _rows(rows, days, queues, start):
        batch.append(row)
        if len(batch) >= 50_000:
            connection.executemany(INSERT, batch)
            batch = []
    if batch:
        connection.executemany(INSERT, batch)
    connection.commit()
    for _, sql in indexes:
        connection.execute(sql)
    connection.execute("ANALYZE")
    connection.commit()
    total = connection.execute("SELECT COUNT(*) FROM queue_log").fetchone()[0]
    connection.close()
    return total


def main(argv=None):
    """Fill, then time the report queries; print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db", help="reuse (or create) this database file")
    args = parser.parse_args(argv)
    zone = "America/Sao_Paulo"
    last_day = datetime.date(2026, 12, 6)
    first_day = last_day - datetime.timedelta(days=args.days - 1)
    start, _ = queue_reports.day_range(first_day, first_day, zone)
    path = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="cc-bench-")) / "app.db"
    if not path.exists():
        began = time.monotonic()
        total = fill(path, args.rows, args.days, args.queues, start)
        print(f"filled {total:,} queue_log rows in {time.monotonic() - began:.0f} s ({path})")
    db.init(f"sqlite:///{path}")
    day = queue_reports.day_range(last_day, last_day, zone)
    week = queue_reports.day_range(last_day - datetime.timedelta(days=6), last_day, zone)
    month = queue_reports.day_range(last_day - datetime.timedelta(days=29), last_day, zone)
    cases = {
        "queues, 1 day, every queue": lambda: queue_reports.queue_summary(queue_reports.ReportFilter(*day)),
        "queues, 7 days, 1 queue": lambda: queue_reports.queue_summary(queue_reports.ReportFilter(*week, [1])),
        "queues, 30 days, 1 queue": lambda: queue_reports.queue_summary(queue_reports.ReportFilter(*month, [1])),
        "by hour, 7 days, 1 queue": lambda: queue_reports.by_time(queue_reports.ReportFilter(*week, [1]), zone,
                                                                  "hour"),
        "by weekday, 30 days, 1 queue": lambda: queue_reports.by_time(queue_reports.ReportFilter(*month, [1]),
                                                                      zone, "weekday"),
        "agents, 1 day, every queue": lambda: queue_reports.agent_summary(queue_reports.ReportFilter(*day)),
        "agents, 7 days, 1 queue, 1 agent": lambda: queue_reports.agent_summary(
            queue_reports.ReportFilter(*week, [1], "701")),
        "calls (newest 500), 30 days, every queue": lambda: queue_reports.calls(queue_reports.ReportFilter(*month)),
    }
    rows = queue_reports.count_rows()
    print(f"report queries on {rows:,} queue_log rows, {args.repeat} runs each (SQLite, WAL)")
    print("| query | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|")
    worst = 0.0
    for name, run in cases.items():
        run()  # warm the page cache once, as a second visitor would find it
        times = []
        for _ in range(args.repeat):
            began = time.perf_counter()
            run()
            times.append((time.perf_counter() - began) * 1000)
        worst = max(worst, _percentile(times, 0.95))
        print(f"| {name} | {_percentile(times, 0.5):.1f} | {_percentile(times, 0.95):.1f} | {max(times):.1f} |")
    print(f"goal: p95 <= 300 ms; worst p95 {worst:.1f} ms: {'met' if worst <= 300 else 'NOT met'}")
    db.close()


if __name__ == "__main__":
    main()
