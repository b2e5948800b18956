"""Copy call records from Asterisk's CDR file into the app database, idempotently.

Asterisk (cdr_sqlite3_custom, ``batch = no``) writes every record at hangup into
``<instance>/cdr/master.db``: that file is the durable copy, and this module only
ever reads it. Each batch of rows and the cursor that says how far the copy got
are committed in one transaction, and rows are inserted with ON CONFLICT DO
NOTHING on (uniqueid, sequence): a copier killed at any instant resumes where
its last commit left off, and a row it copies twice is stored once.
"""
import contextlib
import datetime
import sqlite3

from appliance import call_events
from appliance.asterisk.confgen.cdr import CDR_TABLE
from appliance.db import database
from appliance.models.call_history import CallRecord, IngestCursor
from appliance.models.users import utcnow

#: The columns copied, as named in confgen/cdr.py's CDR_COLUMNS. ``start``, ``answer`` and
#: ``end`` are epoch floats (``start(float)``): exact and free of the engine's time zone.
SOURCE_COLUMNS = (
    "uniqueid", "linkedid", "sequence", "start", "answer", "end", "clid", "src", "dst", "dcontext",
    "channel", "dstchannel", "lastapp", "lastdata", "duration", "billsec", "disposition", "accountcode",
    "userfield",
)
# cdr_sqlite3_custom creates the table as "CREATE TABLE cdr (AcctId INTEGER PRIMARY KEY, ...)"
# (strings of res_cdrel_custom.so, Asterisk 22.10): AcctId is the rowid, growing with each insert.
# Identifiers come from the constants above, never from input; values are bound parameters.
_SELECT = 'SELECT AcctId, {} FROM "{}" WHERE AcctId > ? ORDER BY AcctId LIMIT ?'.format(
    ", ".join(f'"{column}"' for column in SOURCE_COLUMNS), CDR_TABLE)
_MARKER = f'SELECT uniqueid, sequence FROM "{CDR_TABLE}" WHERE AcctId = ?'


def source_key(engine):
    """Return the cursor name of ``engine``'s CDR file."""
    return f"cdr:{engine.settings.instance}"


def ingest(engine, batch=500):
    """Copy the records ``engine``'s Asterisk wrote since the last call; return how many rows were read (0: none)."""
    return ingest_file(engine.host_path(engine.settings.cdr_db), source_key(engine), batch)


def ingest_file(path, source, batch=500):
    """Copy new rows of the CDR file at ``path`` under cursor ``source``; return how many rows were read."""
    if not path.exists():
        return 0  # Asterisk has not written a record yet
    total = 0
    with contextlib.closing(_connect(path)) as cdr:
        cursor = IngestCursor.get_or_none(IngestCursor.source == source)
        position = _checked_position(cdr, cursor)
        while True:
            rows = _read(cdr, position, batch)
            if not rows:
                return total
            position = rows[-1][0]
            _store(source, rows)
            total += len(rows)
            if len(rows) < batch:
                return total


def _connect(path):
    """Open the CDR file without ever creating it; only SELECTs are sent."""
    # mode=rw, not ro: a hot journal left by a crashed Asterisk must be rolled back before
    # reading, which a read-only connection cannot do. Autocommit: each SELECT is its own
    # short read transaction, so Asterisk's inserts (busy_timeout = 1000) never wait long.
    return sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=5.0, isolation_level=None)


def _read(cdr, position, batch):
    """Return up to ``batch`` rows after ``position``."""
    try:
        return cdr.execute(_SELECT, (position, batch)).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return []  # the module has not loaded yet: no records
        raise


def _marker(cdr, position):
    """Return the identity of source row ``position`` ("" when there is none)."""
    try:
        row = cdr.execute(_MARKER, (position,)).fetchone()
    except sqlite3.OperationalError:
        return ""
    return _identity(*row) if row else ""


def _identity(uniqueid, sequence):
    """Return the cursor marker naming one CDR."""
    return f"{uniqueid}#{sequence}"


def _checked_position(cdr, cursor):
    """Return where to resume: the cursor, or 0 when the file no longer holds the row it points at.

    A replaced or recreated CDR file restarts its rowids at 1; starting over is safe because
    rows already copied are skipped by the unique key.
    """
    if cursor is None or cursor.position == 0:
        return 0
    return cursor.position if _marker(cdr, cursor.position) == cursor.marker else 0


def _store(source, rows):
    """Insert ``rows`` and move the cursor past them, in one transaction."""
    last = rows[-1]
    records = [_record(row) for row in rows]
    with database.atomic():
        known = {(uniqueid, sequence) for uniqueid, sequence in CallRecord.select(
            CallRecord.uniqueid, CallRecord.sequence).where(
            CallRecord.uniqueid.in_([record["uniqueid"] for record in records])).tuples()}
        CallRecord.insert_many(records).on_conflict_ignore().execute()
        # Published in the same transaction: a record and its call.hungup exist together or not at all.
        call_events.recorded([record for record in records if (record["uniqueid"], record["sequence"]) not in known])
        marker = _identity(last[1 + SOURCE_COLUMNS.index("uniqueid")], last[1 + SOURCE_COLUMNS.index("sequence")])
        IngestCursor.insert(source=source, position=last[0], marker=marker, updated_at=utcnow()).on_conflict(
            conflict_target=[IngestCursor.source],
            preserve=[IngestCursor.position, IngestCursor.marker, IngestCursor.updated_at],
        ).execute()


def _time(epoch):
    """Return a naive UTC datetime for an epoch float, or None for Asterisk's 0 (never happened)."""
    epoch = float(epoch or 0)
    if epoch <= 0:
        return None
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).replace(tzinfo=None)


def _record(row):
    """Map one source row (AcctId first, then SOURCE_COLUMNS) to CallRecord fields."""
    values = dict(zip(SOURCE_COLUMNS, row[1:], strict=True))
    text = {key: "" if values[key] is None else str(values[key]) for key in (
        "clid", "src", "dst", "dcontext", "channel", "dstchannel", "lastapp", "lastdata", "disposition",
        "accountcode", "uniqueid", "linkedid", "userfield")}
    return {
        **text,
        # calldate is NOT NULL and Asterisk always sets start; the fallback only keeps one
        # malformed row from blocking every record after it.
        "calldate": _time(values["start"]) or datetime.datetime(1970, 1, 1),
        "answer": _time(values["answer"]),
        "end": _time(values["end"]),
        "duration": int(values["duration"] or 0),
        "billsec": int(values["billsec"] or 0),
        "sequence": int(values["sequence"]),
    }
