"""Copy app_queue's queue_log file into the ``queue_log`` table, exactly once (the reports' source).

Asterisk appends ``epoch|callid|queue|agent|EVENT|data…`` lines to ``<instance>/log/queue_log``
(confgen/logger.py): that file is the durable copy, this only reads it, like the CDR ingest
(decision 004). The cursor is the byte offset after the last whole line copied, committed with
the rows in one transaction, so a copier killed at any instant resumes where its last commit
left off and never stores a line twice. The cursor's marker is the file's first line: a rotated
or recreated file (another first line, or shorter than the offset) is read again from its start.
"""
import os

from appliance.db import database
from appliance.models.call_history import IngestCursor
from appliance.models.callcenter import QueueLogRow
from appliance.models.users import utcnow

#: Lines copied per transaction.
BATCH = 2000
FIELDS = ("time", "callid", "queue", "agent", "event", "data1", "data2", "data3", "data4", "data5")


def source_key(instance):
    """Return the cursor name of an engine instance's queue_log."""
    return f"queue_log:{instance}"


def parse(line):
    """Return the row dict of one queue_log line, or None for a line that is not one."""
    parts = line.rstrip("\n").split("|")
    if len(parts) < 5 or not parts[0].isdigit():
        return None
    # The LINK form of ATTENDEDTRANSFER has more fields than columns: the rest stays in data5 (notes 2).
    data = parts[5:10] + [""] * (5 - len(parts[5:10]))
    if len(parts) > 10:
        data[4] = "|".join(parts[9:])
    row = dict(zip(FIELDS, [int(parts[0]), *parts[1:5], *data], strict=True))
    return {key: value[:100] if isinstance(value, str) else value for key, value in row.items()}


def ingest(path, source, batch=BATCH):
    """Copy the new whole lines of queue_log ``path``; return how many rows were stored."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        return 0
    stored = 0
    with handle:
        first = handle.readline()
        marker = first[:255].decode("utf-8", "replace")
        size = os.fstat(handle.fileno()).st_size
        cursor = IngestCursor.get_or_none(IngestCursor.source == source)
        position = cursor.position if cursor and cursor.marker == marker and cursor.position <= size else 0
        handle.seek(position)
        while True:
            rows, consumed = [], 0
            for raw in handle:
                if not raw.endswith(b"\n"):
                    break  # a line Asterisk is still writing: the next run takes it whole
                consumed += len(raw)
                row = parse(raw.decode("utf-8", "replace"))
                if row is not None:
                    rows.append(row)
                if len(rows) >= batch:
                    break
            if not consumed:
                return stored
            position += consumed
            with database.atomic():
                for start in range(0, len(rows), 200):
                    QueueLogRow.insert_many(rows[start:start + 200]).execute()
                IngestCursor.insert(source=source, position=position, marker=marker, updated_at=utcnow()).on_conflict(
                    conflict_target=[IngestCursor.source],
                    preserve=[IngestCursor.position, IngestCursor.marker, IngestCursor.updated_at]).execute()
            stored += len(rows)
            handle.seek(position)
