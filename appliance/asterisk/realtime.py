"""Keep Asterisk's PJSIP realtime tables (a SQLite file) equal to the wanted rows.

Asterisk reads endpoints, AORs and auths from this file per request (sorcery
realtime over res_config_sqlite3), so a committed change is live on the
device's next request: no reload, and the other rows are not touched.
"""
import sqlite3

from appliance import permissions

#: Columns per table: names and types follow Asterisk's contrib schema
#: (contrib/ast-db-manage, ps_endpoints/ps_aors/ps_auths), restricted to the
#: options Centralina sets. Unset (NULL) columns take Asterisk's defaults, as
#: res_config_sqlite3 skips NULL values. A column added here is added to an
#: existing file by sync_rows().
SCHEMA = {
    "ps_endpoints": {
        "id": "VARCHAR(40) NOT NULL PRIMARY KEY",
        "transport": "VARCHAR(40)",
        "aors": "VARCHAR(200)",
        "auth": "VARCHAR(40)",
        "context": "VARCHAR(40)",
        "callerid": "VARCHAR(40)",
        "disallow": "VARCHAR(200)",
        "allow": "VARCHAR(200)",
        "direct_media": "VARCHAR(3)",
        "rtp_symmetric": "VARCHAR(3)",
        "force_rport": "VARCHAR(3)",
        "rewrite_contact": "VARCHAR(3)",
        "dtmf_mode": "VARCHAR(10)",
        "identify_by": "VARCHAR(80)",
        "outbound_auth": "VARCHAR(40)",
        "media_address": "VARCHAR(40)",
        "bind_rtp_to_media_address": "VARCHAR(3)",
        "set_var": "VARCHAR(200)",
        "callerid_tag": "VARCHAR(40)",
        "subscribe_context": "VARCHAR(40)",
        "message_context": "VARCHAR(40)",
        "named_call_group": "VARCHAR(200)",
        "named_pickup_group": "VARCHAR(200)",
        "mailboxes": "VARCHAR(100)",
        "deny": "VARCHAR(1000)",
        # Trunks' (confgen/trunks.py).
        "from_user": "VARCHAR(40)",
        "from_domain": "VARCHAR(40)",
        "send_pai": "VARCHAR(3)",
        "send_connected_line": "VARCHAR(3)",
        "language": "VARCHAR(40)",
        # Browser phones' (confgen/pjsip.py, kind "webrtc").
        "webrtc": "VARCHAR(3)",
        "dtls_auto_generate_cert": "VARCHAR(3)",
        "rtp_timeout": "INTEGER",
        # Video streams a browser login may carry: its camera and, in an SFU room, one per other participant.
        "max_video_streams": "INTEGER",
    },
    "ps_aors": {
        "id": "VARCHAR(40) NOT NULL PRIMARY KEY",
        "max_contacts": "INTEGER",
        "remove_existing": "VARCHAR(3)",
        # Trunks' static contact and its qualify (confgen/trunks.py).
        "contact": "VARCHAR(255)",
        "qualify_frequency": "INTEGER",
        "qualify_timeout": "FLOAT",
    },
    "ps_auths": {
        "id": "VARCHAR(40) NOT NULL PRIMARY KEY",
        "auth_type": "VARCHAR(20)",
        "username": "VARCHAR(40)",
        "password": "VARCHAR(80)",
    },
    # Centralina's own: what the dialplan reads about an extension at call time.
    "cn_extensions": {
        "id": "VARCHAR(20) NOT NULL PRIMARY KEY",
        "name": "VARCHAR(64)",
        "dial": "VARCHAR(1000)",
        "voicemail": "VARCHAR(3)",
        "max_calls": "INTEGER",
        "ring_seconds": "INTEGER",
        "language": "VARCHAR(8)",
        "context": "VARCHAR(40)",
        "callerid": "VARCHAR(20)",
        # "always": its calls are recorded (confgen/recording.py).
        "record": "VARCHAR(10)",
        # The prompt id announced when its policy starts a recording (decision 036).
        "record_prompt": "VARCHAR(12)",
    },
    # Caller names by number (E.164 or extension): the phonebook's shared contacts and the
    # extensions, read with REALTIME_FIELD before an inbound call rings.
    "cn_callers": {
        "id": "VARCHAR(32) NOT NULL PRIMARY KEY",
        "name": "VARCHAR(100)",
    },
    # app_voicemail's realtime mailboxes (contrib schema "voicemail", the columns used).
    "cn_voicemail": {
        "id": "VARCHAR(20) NOT NULL PRIMARY KEY",
        "uniqueid": "VARCHAR(20) UNIQUE",
        "context": "VARCHAR(80)",
        "mailbox": "VARCHAR(80)",
        "password": "VARCHAR(80)",
        "fullname": "VARCHAR(80)",
    },
}


def connect(db_path):
    """Open the realtime file, creating or widening its tables as SCHEMA says."""
    # Asterisk writes here too (a PIN changed from the phone): created group-writable.
    permissions.create_shared(db_path)
    conn = sqlite3.connect(db_path, timeout=5, isolation_level=None)
    # WAL: Asterisk's reads never wait for our write transaction, nor it for them.
    conn.execute("PRAGMA journal_mode=WAL")
    for table, columns in SCHEMA.items():
        # Identifiers come from the SCHEMA constant above, never from input.
        ddl = ", ".join(f"{name} {kind}" for name, kind in columns.items())
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        if present and "id" not in present:
            # Made by someone else (an Asterisk module creating what it requires): its rows
            # are not ours, and the next sync writes ours.
            conn.execute(f"DROP TABLE {table}")
            present = set()
        conn.execute(f"CREATE TABLE IF NOT EXISTS {table} ({ddl})")
        present = present or {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in present:
                conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
    return conn


def ids_with_prefix(db_path, table, prefix):
    """Return the ids in ``table`` that start with ``prefix`` (a table of SCHEMA)."""
    if table not in SCHEMA:
        raise ValueError(f"unknown realtime table {table!r}")
    conn = connect(db_path)
    try:
        found = conn.execute(f"SELECT id FROM {table} WHERE substr(id, 1, ?) = ?", (len(prefix), prefix))
        return {row[0] for row in found}
    finally:
        conn.close()


def _text(value):
    return None if value is None else str(value)


def _texts(rows, columns, filled):
    """Return {id: (each column's value as text, None for none)} of ``rows``, ``filled`` giving defaults.

    A full sync turns 10,000 rows of ~30 columns into text; the common values (a str or None) are kept
    inline rather than through a call per value: 0.15 s instead of 0.20 s for 10,000 endpoint rows.
    """
    defaulted = [(index, _text(filled[column])) for index, column in enumerate(columns) if column in filled]
    want = {}
    for row in rows:
        values = [value if value is None or value.__class__ is str else str(value)
                  for value in map(row.get, columns)]
        for index, default in defaulted:
            if values[index] is None:
                values[index] = default
        want[row["id"]] = tuple(values)
    return want


#: Number options every row gives a value, Asterisk's default where the row has none: a fetch of many
#: rows (res_config_sqlite3 multi, as a res_pjsip reload's qualify pass does) hands NULL over as "",
#: which a number option refuses ("Error parsing rtp_timeout="), losing the whole object (a desk
#: phone's endpoint lost that way once browser phones added the column).
NUMBER_DEFAULTS = {"ps_endpoints": {"rtp_timeout": 0, "max_video_streams": 1}}


def sync_rows(db_path, rows, only_ids=None):
    """Make the tables in ``rows`` ({table: [row dict, ...]}) hold exactly those rows.

    Only rows that differ are inserted, updated or deleted, all in one
    transaction; tables absent from ``rows`` are left alone. With ``only_ids``
    just those ids are compared (an id among them with no row is deleted) and
    every other row is left untouched, unread: one edit costs one lookup, not
    a pass over every device. ``only_ids`` may also be {table: ids}, naming
    every table in ``rows``. Return the changed ids per table
    ({table: sorted ids}, changed tables only).
    """
    if only_ids is not None and not isinstance(only_ids, dict):
        only_ids = {table: only_ids for table in rows}
    for table, table_rows in rows.items():
        if table not in SCHEMA:
            raise ValueError(f"unknown realtime table {table!r}")
        known = frozenset(SCHEMA[table])
        for row in table_rows:
            unknown = row.keys() - known
            if unknown:
                raise ValueError(f"{table}: unknown columns {sorted(unknown)}")
            if only_ids is not None and row["id"] not in only_ids[table]:
                raise ValueError(f"{table}: row {row['id']!r} is outside only_ids")
    conn = connect(db_path)
    try:
        changed = {}
        conn.execute("BEGIN IMMEDIATE")
        for table, table_rows in rows.items():
            columns = list(SCHEMA[table])
            names = ", ".join(columns)
            # Compared as text on both sides, SQLite doing the conversion of what it holds (a full
            # sync compares 10,000 rows of ~30 columns: per-value Python calls cost a second).
            texts = ", ".join(f"CAST({name} AS TEXT)" for name in columns)
            if only_ids is None:
                found = conn.execute(f"SELECT {texts} FROM {table}")
            else:
                ids = sorted(only_ids[table])
                found = conn.execute(f"SELECT {texts} FROM {table} WHERE id IN ({', '.join('?' * len(ids))})", ids)
            have = {r[0]: r for r in found}
            want = _texts(table_rows, columns, NUMBER_DEFAULTS.get(table, {}))
            upserts = [values for key, values in want.items() if have.get(key) != values]
            deletes = [key for key in have if key not in want]
            if upserts:
                marks = ", ".join("?" for _ in columns)
                updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
                conn.executemany(
                    f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT(id) DO UPDATE SET {updates}",
                    upserts,
                )
            if deletes:
                conn.executemany(f"DELETE FROM {table} WHERE id = ?", [(key,) for key in deletes])
            ids = sorted([values[0] for values in upserts] + deletes)
            if ids:
                changed[table] = ids
        conn.execute("COMMIT")
        return changed
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()
