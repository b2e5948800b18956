"""Call records survive kill -9 of the copier at any moment: every Asterisk row lands exactly once."""
import random
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from appliance.asterisk import cdr
from appliance.asterisk.confgen.cdr import CDR_COLUMNS, CDR_TABLE
from appliance.models.call_history import CallRecord, IngestCursor

WORKER = Path(__file__).with_name("ingest_worker.py")
BULK_ROWS = 3000
KILLS = 6


def source_rows(path):
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT uniqueid, sequence, AcctId FROM {CDR_TABLE} ORDER BY AcctId").fetchall()


def wait_for_rows(path, count, timeout=10.0):
    """Wait (bounded) until Asterisk has written ``count`` records; return them."""
    deadline = time.monotonic() + timeout
    while True:
        rows = source_rows(path) if path.exists() else []
        if len(rows) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def write_like_asterisk(path, first, count, chunk=50, pause=0.1):
    """Append records the way cdr_sqlite3_custom does: one INSERT ... VALUES (NULL, ...) each."""
    marks = ", ".join("?" for _ in CDR_COLUMNS)
    for start in range(first, first + count, chunk):
        with sqlite3.connect(path, timeout=5) as conn:
            for n in range(start, min(start + chunk, first + count)):
                values = {column: "" for column, _ in CDR_COLUMNS}
                values.update(uniqueid=f"bulk-{n}", linkedid=f"bulk-{n}", sequence=n, start=time.time() - 5,
                              answer=time.time() - 4, end=time.time(), src="201", dst="202", duration=5,
                              billsec=4, disposition="ANSWERED", lastapp="Dial", lastdata="PJSIP/202,30")
                conn.execute(f"INSERT INTO {CDR_TABLE} VALUES (NULL, {marks})", [values[c] for c, _ in CDR_COLUMNS])
        time.sleep(pause)


def start_worker(app_db, cdr_db):
    proc = subprocess.Popen([sys.executable, str(WORKER), str(app_db), str(cdr_db), "cdr:durability"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout.readline().strip() == "ready", "the copier did not start"
    return proc


def copied_count(app_db):
    with sqlite3.connect(app_db, timeout=5) as conn:
        return conn.execute("SELECT COUNT(*) FROM call_records").fetchone()[0]


def test_kill_9_mid_stream_loses_and_duplicates_nothing(engine, sipp, database, tmp_path):
    cdr_db = engine.host_path(engine.settings.cdr_db)
    before = len(source_rows(cdr_db)) if cdr_db.exists() else 0
    for _ in range(3):
        assert sipp.call("201", "secret-201", "*43", hold_seconds=0.2).ok
    real = wait_for_rows(cdr_db, before + 3)
    assert len(real) >= before + 3, "Asterisk did not write the calls' records"

    writer = threading.Thread(target=write_like_asterisk, args=(cdr_db, 1, BULK_ROWS))
    writer.start()
    app_db = tmp_path / "app.db"
    progress = []  # records copied when each kill landed
    rng = random.Random(20261126)
    try:
        while len(progress) < KILLS:
            worker = start_worker(app_db, cdr_db)
            time.sleep(rng.uniform(0.15, 0.5))
            worker.kill()  # SIGKILL: no cleanup, no atexit, mid-transaction or not
            worker.wait(timeout=10)
            progress.append(copied_count(app_db))
    finally:
        writer.join(timeout=120)
    print(f"records copied at each kill: {progress}")
    assert progress == sorted(set(progress)), "a copier was killed without having copied anything"
    assert progress[-1] < BULK_ROWS + len(real), "the copier finished before its last kill"

    while cdr.ingest(engine, batch=500):  # resume to the end, in this process
        pass

    expected = source_rows(cdr_db)
    copied = [(r.uniqueid, r.sequence) for r in CallRecord.select(CallRecord.uniqueid, CallRecord.sequence)]
    # The app's cursor names the instance; the workers used their own cursor over the same file.
    assert sorted(copied) == sorted((uniqueid, int(sequence)) for uniqueid, sequence, _ in expected)
    assert len(copied) == len(set(copied)) == len(expected) == BULK_ROWS + len(real)
    assert IngestCursor.get_by_id(cdr.source_key(engine)).position == max(acct for _, _, acct in expected)
    answered = CallRecord.get(CallRecord.uniqueid == real[-1][0], CallRecord.sequence == real[-1][1])
    assert (answered.src, answered.dst, answered.disposition) == ("201", "*43", "ANSWERED")
    assert answered.billsec >= 0 and answered.end >= answered.answer >= answered.calldate
