"""The database handle: one peewee proxy, opened from a URL, SQLite tuned for an appliance."""
import logging
from pathlib import Path

import peewee
from playhouse.db_url import connect

# peewee logs every query with its parameters at DEBUG: trunk, SMTP and backup target secrets among
# them. Whoever turns the app's logging to DEBUG must not find them in the journal.
logging.getLogger("peewee").setLevel(logging.INFO)

#: Every model binds to this proxy; ``init`` points it at a real database.
database = peewee.DatabaseProxy()

# WAL lets the web workers read while the daemon writes; foreign keys are off
# by default in SQLite; busy_timeout turns write contention into a short wait.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 5000,
    "synchronous": "normal",
    "cache_size": -16 * 1024,
}


class BaseModel(peewee.Model):
    """Base class of every model: bound to the shared database proxy."""

    class Meta:
        database = database
        legacy_table_names = False


def init(url):
    """Open the database at ``url`` (``sqlite:///path`` or ``postgresql://...``) and bind the proxy."""
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        # BEGIN IMMEDIATE: a transaction takes the write lock when it starts, waiting busy_timeout for
        # it. A deferred one that read first and wrote later failed at once ("database is locked")
        # whenever another process had committed in between: WAL cannot move a reader's snapshot
        # forward into a writer (seen with the daemon's frequent writes: saving a queue, a user).
        db = peewee.SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                                   lock_type="IMMEDIATE")
    else:
        db = connect(url)
    database.initialize(db)
    return db


def close():
    """Close the current connection if one is open."""
    if database.obj is not None and not database.is_closed():
        database.close()


#: Rows (or values) per statement when many are written or looked up at once: SQLite caps the
#: variables of one statement, and an IN list or multi-row insert of 10,000 would pass it.
CHUNK = 500


def chunks(items, size=CHUNK):
    """Yield ``items`` in lists of at most ``size``, for one statement each."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]
