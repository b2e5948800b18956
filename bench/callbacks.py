"""Callbacks (decision 030): the daemon's jobs on a large table, the database side of every attempt.

Set-up (not measured): a fresh database, extension 201 as the agent, ``--history`` finished
callbacks (done / failed, over a year) and ``--due`` pending ones due now. Measured, with an engine
adapter that takes each Originate at once (no Asterisk: what is timed is the service and SQLite):
- requests stored through the service (the web form's and the API's path), one transaction each;
- ``run_due`` passes (the ``callbacks`` job, every second, at most PER_RUN attempts a pass) until
  every due row was started: time per pass and the start rate the design allows;
- ``recover`` (the ``callbacks-recover`` job, every minute) over the rows left "calling";
- the query plans of the due-row and recovery selections.

    .venv/bin/python -m bench.callbacks --history 1000000 --due 2000
"""
import argparse
import datetime
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from appliance import db, migrations
from appliance.asterisk import control
from appliance.models.callbacks import Callback
from appliance.services import Actor, callbacks, extensions

SYSTEM = Actor.system("bench")
_INSERT = ("INSERT INTO callbacks (number, reason, agent, source, status, due_at, position, pin_failures, attempts,"
           " max_attempts, retry_seconds, last_result, failure, action_id, started_at, created_by, created_at,"
           " updated_at) VALUES (?, '', 'extension:201', 'web', ?, ?, 0, 0, ?, 3, 300, ?, '', '', ?, 'bench', ?, ?)")


class InstantEngine:
    """An engine adapter whose Originate is taken at once (the AMI round trip is not what is measured)."""

    def __init__(self):
        self.calls = 0

    def call_back(self, *args):
        """Take the attempt; return its ActionID."""
        self.calls += 1
        return f"bench-{self.calls}"


def populate(history, due, now):
    """Insert ``history`` finished rows and ``due`` pending rows due now (set-up: one prepared statement)."""
    extensions.create(extensions.ExtensionInput("201", "Agente"), SYSTEM)
    start = now - datetime.timedelta(days=365)
    with db.database.atomic():
        for first in range(0, history, 10000):
            rows = []
            for n in range(first, min(first + 10000, history)):
                when = str(start + datetime.timedelta(seconds=n * 31536000 // max(history, 1)))
                done = n % 4 != 0
                rows.append((f"+55119{n % 100000000:08d}", "done" if done else "failed", when, 1 if done else 3,
                             "answered" if done else "busy", when, when, when))
            db.database.cursor().executemany(_INSERT, rows)
        rows = [(f"+55118{n:08d}", "pending", str(now - datetime.timedelta(seconds=n % 600)), 0, "", None,
                 str(now), str(now)) for n in range(due)]
        db.database.cursor().executemany(_INSERT, rows)


def _plan(query):
    sql, params = query.sql()
    return "; ".join(row[-1] for row in db.database.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params))


def _ms(values):
    ordered = sorted(values)
    return (statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1 if len(ordered) > 1 else 0] * 1000,
            ordered[-1] * 1000)


def main():
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history", type=int, default=1_000_000, help="finished callbacks already in the table")
    parser.add_argument("--due", type=int, default=2000, help="pending callbacks due now")
    parser.add_argument("--requests", type=int, default=500, help="requests stored through the service")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-callbacks-"))
    engine = InstantEngine()
    try:
        migrations.upgrade(db.init(f"sqlite:///{workdir / 'app.db'}"))
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        began = time.perf_counter()
        populate(args.history, args.due, now)
        print(f"set-up: {args.history:,} finished + {args.due:,} due callbacks in {time.perf_counter() - began:.1f} s")
        control.install(engine)

        stored = []
        for n in range(args.requests):
            began = time.perf_counter()
            callbacks.request(callbacks.CallbackInput(f"+551130{n:06d}", "201", "Orcamento",
                                                      due_at=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC)),
                              SYSTEM)
            stored.append(time.perf_counter() - began)

        passes = []
        while Callback.select().where((Callback.status == "pending") & (Callback.due_at <= now)).exists():
            began = time.perf_counter()
            started = callbacks.run_due(now)
            passes.append(time.perf_counter() - began)
            if not started:
                break
        calling = Callback.select().where(Callback.status == "calling").count()
        began = time.perf_counter()
        recovered = callbacks.recover(now + datetime.timedelta(hours=3))
        recover_seconds = time.perf_counter() - began

        print(f"\ncallbacks table: {Callback.select().count():,} rows; engine adapter answers at once")
        print("| what | count | p50 ms | p95 ms | max ms |")
        print("|---|---|---|---|---|")
        print("| request stored (service: validate, insert, audit, event) | {:,} | {:.1f} | {:.1f} | {:.1f} |".format(
            len(stored), *_ms(stored)))
        print("| `run_due` pass (the 1 s job; <= {} attempts a pass) | {:,} | {:.1f} | {:.1f} | {:.1f} |".format(
            callbacks.PER_RUN, len(passes), *_ms(passes or [0])))
        print(f"| `recover` pass over {calling:,} rows left calling | 1 | {recover_seconds * 1000:.1f} | | |")
        print(f"\nattempts started: {engine.calls:,} of {args.due:,} due; recovered as lost: {recovered:,}")
        busy = sum(passes)
        print(f"start rate: {callbacks.PER_RUN} a pass x 1 pass/s = {callbacks.PER_RUN}/s by design "
              f"(the passes themselves would allow {engine.calls / busy:,.0f}/s)" if busy else "")
        due = Callback.select().where((Callback.status == "pending") & (Callback.due_at <= now)) \
            .order_by(Callback.position.desc(), Callback.due_at, Callback.id).limit(callbacks.PER_RUN)
        print(f"\nquery plan, due rows: {_plan(due)}")
        print(f"query plan, recovery: {_plan(Callback.select().where(Callback.status == 'calling'))}")
    finally:
        control.install(None)
        db.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
