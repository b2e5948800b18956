"""Copying call records from a CDR file shaped like Asterisk's: once each, resumable, file-replacement safe."""
import sqlite3

from appliance.asterisk import cdr
from appliance.asterisk.confgen.cdr import CDR_COLUMNS, CDR_TABLE
from appliance.models.call_history import CallRecord, IngestCursor

SOURCE = "cdr:unit"


def create_cdr_file(path):
    """Create the table the way cdr_sqlite3_custom does."""
    with sqlite3.connect(path) as conn:
        columns = ", ".join(column for column, _ in CDR_COLUMNS)
        conn.execute(f"CREATE TABLE {CDR_TABLE} (AcctId INTEGER PRIMARY KEY, {columns})")


def add_records(path, first, count):
    """Insert ``count`` records the way cdr_sqlite3_custom does (INSERT ... VALUES (NULL, ...))."""
    rows = []
    for n in range(first, first + count):
        values = {column: "" for column, _ in CDR_COLUMNS}
        values.update(uniqueid=f"1795650000.{n}", linkedid=f"1795650000.{n}", sequence=n, start=1800000000.5 + n,
                      answer=0.0, end=1800000003.5 + n, src="201", dst="202", duration=3, billsec=0,
                      disposition="NO ANSWER", calldate="2026-11-26 00:00:00")
        rows.append([values[column] for column, _ in CDR_COLUMNS])
    with sqlite3.connect(path) as conn:
        marks = ", ".join("?" for _ in CDR_COLUMNS)
        conn.executemany(f"INSERT INTO {CDR_TABLE} VALUES (NULL, {marks})", rows)


def test_copied_columns_are_columns_asterisk_writes():
    assert set(cdr.SOURCE_COLUMNS) <= {column for column, _ in CDR_COLUMNS}


def test_no_file_or_no_table_yet_copies_nothing(database, tmp_path):
    assert cdr.ingest_file(tmp_path / "missing.db", SOURCE) == 0
    sqlite3.connect(tmp_path / "empty.db").close()
    assert cdr.ingest_file(tmp_path / "empty.db", SOURCE) == 0


def test_records_are_copied_once_and_resume_after_the_cursor(database, tmp_path):
    path = tmp_path / "master.db"
    create_cdr_file(path)
    add_records(path, 1, 250)
    assert cdr.ingest_file(path, SOURCE, batch=100) == 250
    assert cdr.ingest_file(path, SOURCE, batch=100) == 0
    add_records(path, 251, 5)
    assert cdr.ingest_file(path, SOURCE, batch=100) == 5
    assert CallRecord.select().count() == 255
    assert IngestCursor.get_by_id(SOURCE).position == 255


def test_times_are_utc_and_an_unanswered_call_has_no_answer_time(database, tmp_path):
    path = tmp_path / "master.db"
    create_cdr_file(path)
    add_records(path, 1, 1)
    cdr.ingest_file(path, SOURCE)
    record = CallRecord.get()
    assert (str(record.calldate), record.answer, record.sequence) == ("2027-01-15 08:00:01.500000", None, 1)


def test_a_replaced_file_is_read_from_the_start_without_duplicates(database, tmp_path):
    path = tmp_path / "master.db"
    create_cdr_file(path)
    add_records(path, 1, 10)
    cdr.ingest_file(path, SOURCE)
    path.unlink()
    create_cdr_file(path)
    add_records(path, 5, 10)  # 5..10 were copied already, 11..14 are new
    assert cdr.ingest_file(path, SOURCE) == 10
    assert sorted(r.sequence for r in CallRecord.select()) == list(range(1, 15))
