"""realtime.sync_rows writes only the rows that differ, in one transaction."""
import sqlite3

import pytest

from appliance.asterisk.confgen import SipDevice, endpoint_rows
from appliance.asterisk.realtime import SCHEMA, sync_rows

DEVICES = [SipDevice(f"{n}", f"pw{n}", f"{n}", f"User {n}") for n in range(200, 205)]


def passwords(db):
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT id, password FROM ps_auths"))


def test_first_sync_creates_every_row(tmp_path):
    db = tmp_path / "rt.sqlite3"

    changed = sync_rows(db, endpoint_rows(DEVICES))

    # No mailboxes among DEVICES: cn_voicemail stays empty; caller names are not endpoint rows.
    assert changed == {table: [str(n) for n in range(200, 205)] for table in SCHEMA
                       if table not in ("cn_voicemail", "cn_callers")}
    assert passwords(db)["203"] == "pw203"


def test_resync_of_same_rows_changes_nothing(tmp_path):
    db = tmp_path / "rt.sqlite3"
    sync_rows(db, endpoint_rows(DEVICES))

    assert sync_rows(db, endpoint_rows(DEVICES)) == {}


def test_one_password_change_touches_one_row(tmp_path):
    db = tmp_path / "rt.sqlite3"
    sync_rows(db, endpoint_rows(DEVICES))
    edited = [SipDevice("203", "new", "203", "User 203") if d.username == "203" else d for d in DEVICES]

    changed = sync_rows(db, endpoint_rows(edited))

    assert changed == {"ps_auths": ["203"]}
    assert passwords(db)["203"] == "new"


def test_removed_device_rows_are_deleted(tmp_path):
    db = tmp_path / "rt.sqlite3"
    sync_rows(db, endpoint_rows(DEVICES))

    changed = sync_rows(db, endpoint_rows(DEVICES[:-1]))

    assert changed == {table: ["204"] for table in SCHEMA if table not in ("cn_voicemail", "cn_callers")}
    assert "204" not in passwords(db)


def test_missing_columns_are_added_to_an_older_file(tmp_path):
    db = tmp_path / "rt.sqlite3"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE ps_auths (id VARCHAR(40) PRIMARY KEY, username VARCHAR(40))")

    sync_rows(db, endpoint_rows(DEVICES))

    assert passwords(db)["200"] == "pw200"


def test_unknown_column_is_refused_before_writing(tmp_path):
    db = tmp_path / "rt.sqlite3"

    with pytest.raises(ValueError):
        sync_rows(db, {"ps_auths": [{"id": "x", "bogus": "1"}]})
    assert not db.exists()


def test_only_ids_touches_just_those_rows(tmp_path):
    path = tmp_path / "rt.sqlite3"
    everyone = [{"id": name, "auth_type": "userpass", "username": name, "password": "pw"} for name in ("a", "b", "c")]
    sync_rows(path, {"ps_auths": everyone})

    changed = sync_rows(path, {"ps_auths": [{"id": "b", "auth_type": "userpass", "username": "b", "password": "new"}]},
                        only_ids={"b", "c"})

    assert changed == {"ps_auths": ["b", "c"]}  # b updated, c (asked for, no row) deleted, a untouched
    with sqlite3.connect(path) as conn:
        assert dict(conn.execute("SELECT id, password FROM ps_auths")) == {"a": "pw", "b": "new"}


def test_a_table_an_asterisk_module_made_is_replaced_by_ours(tmp_path):
    db = tmp_path / "rt.sqlite3"
    # app_voicemail asks res_config_sqlite3 for the columns it needs, which creates this.
    with sqlite3.connect(db) as conn:
        conn.execute('CREATE TABLE "cn_voicemail" ("uniqueid" INTEGER, "password" TEXT)')

    sync_rows(db, endpoint_rows(DEVICES))

    with sqlite3.connect(db) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(cn_voicemail)")]
    assert columns[0] == "id" and "mailbox" in columns
