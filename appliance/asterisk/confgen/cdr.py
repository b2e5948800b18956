"""Render cdr.conf and cdr_sqlite3_custom.conf: call records into a SQLite file.

Asterisk writes each record at hangup into ``<instance>/cdr/master.db``
(table ``cdr``); the daemon ingests from there idempotently, keyed by
(uniqueid, sequence), so nothing is lost while the daemon is down.
"""
from .asterisk import HEADER

#: (column, CDR field with cdr_sqlite3_custom's "advanced mapping" qualifiers).
#: Times are epoch seconds with microseconds (exact, time-zone free);
#: calldate repeats the start as "YYYY-MM-DD HH:MM:SS" local time for people
#: and classic CDR tools. The sample documents a "float" qualifier, but
#: Asterisk 22.10 ignores it and prints the date; "double" works (checked).
CDR_COLUMNS = (
    ("uniqueid", "uniqueid"),
    ("linkedid", "linkedid"),
    ("sequence", "sequence"),
    ("calldate", "start"),
    ("start", "start(double)"),
    ("answer", "answer(double)"),
    ("end", "end(double)"),
    ("clid", "clid"),
    ("src", "src"),
    ("dst", "dst"),
    ("dcontext", "dcontext"),
    ("channel", "channel"),
    ("dstchannel", "dstchannel"),
    ("lastapp", "lastapp"),
    ("lastdata", "lastdata"),
    ("duration", "duration"),
    ("billsec", "billsec"),
    ("disposition", "disposition"),
    ("amaflags", "amaflags"),
    ("accountcode", "accountcode"),
    ("peeraccount", "peeraccount"),
    ("userfield", "userfield"),
)
CDR_TABLE = "cdr"


def render_cdr_conf():
    """Return cdr.conf."""
    return HEADER + """
[general]
enable = yes
; Missed and failed calls are records too (the call log shows them).
unanswered = yes
congestion = yes
; Write each record at hangup: nothing waits in a batch to be lost in a crash.
batch = no
safeshutdown = yes
"""


def render_cdr_sqlite3_custom_conf(settings):
    """Return cdr_sqlite3_custom.conf writing to ``settings.cdr_db``."""
    # The section name is the database file; an absolute path is used as is
    # (cdr_sqlite3_custom.conf.sample). The table is created on first load.
    return HEADER + f"""
[{settings.cdr_db}]
table = {CDR_TABLE}
columns = {", ".join(column for column, _ in CDR_COLUMNS)}
fields = {", ".join(field for _, field in CDR_COLUMNS)}
busy_timeout = 1000
"""
