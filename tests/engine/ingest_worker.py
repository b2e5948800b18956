"""Copy CDRs forever, for test_cdr_durability to kill -9 at random moments.

Usage: python ingest_worker.py APP_DB CDR_DB SOURCE. Each copied batch is small
and the moment between inserting a batch and moving the cursor is widened, so
kills land inside the transaction as well as between transactions.
"""
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from appliance import db  # noqa: E402
from appliance.asterisk import cdr  # noqa: E402

BATCH = 25


def _slow_cursor_insert(original):
    def insert(*args, **kwargs):
        time.sleep(0.004)  # rows inserted, cursor not yet moved, transaction open
        return original(*args, **kwargs)
    return insert


def main(app_db, cdr_db, source):
    """Copy until killed."""
    db.init("sqlite:///" + app_db)
    cdr.IngestCursor.insert = _slow_cursor_insert(cdr.IngestCursor.insert)
    print("ready", flush=True)
    while True:
        if not cdr.ingest_file(Path(cdr_db), source, batch=BATCH):
            time.sleep(0.01)


if __name__ == "__main__":
    main(*sys.argv[1:4])
