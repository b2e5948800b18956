"""Migrations upgrade a database in place and keep every row."""
import peewee
import pytest

from appliance import db, migrations, passwords
from appliance.services import users


@pytest.fixture
def database(tmp_path):
    """An empty database: these tests choose how far to migrate it."""
    handle = db.init(f"sqlite:///{tmp_path / 'old.db'}")
    yield handle
    db.close()


def _row_counts(handle):
    return {table: handle.execute_sql(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in handle.get_tables()}


def test_fresh_database_reaches_head(database):
    migrations.upgrade(database)
    assert migrations.current(database) == migrations.head()
    assert migrations.upgrade(database) == []  # a second run does nothing


def test_version_1_database_with_data_upgrades_without_losing_rows(database):
    migrations.upgrade(database, target=1)
    database.execute_sql(
        "INSERT INTO users (username, display_name, email, password_hash, role, language, active, created_at,"
        " password_changed_at) VALUES (?, ?, '', ?, 'admin', 'pt_BR', 1, '2026-01-02 03:04:05', '2026-01-02 03:04:05')",
        ("veterano", "Usuário Antigo", passwords.hash_password("Old-Password-123")),
    )
    database.execute_sql(
        "INSERT INTO audit_entries (at, actor_id, actor_name, action, target_type, target_id, target_name, before,"
        " after, address) VALUES ('2026-01-02 03:04:05', NULL, 'cli', 'user.create', 'user', '1', 'veterano', '{}',"
        " '{}', '')"
    )
    before = _row_counts(database)
    migrations.upgrade(database)
    after = _row_counts(database)
    assert all(after[table] >= count for table, count in before.items())
    assert users.authenticate("veterano", "Old-Password-123").display_name == "Usuário Antigo"


@pytest.mark.parametrize("version", range(1, migrations.head()))
def test_every_step_keeps_existing_rows(database, version):
    migrations.upgrade(database, target=version)
    database.execute_sql(
        "INSERT INTO users (username, display_name, email, password_hash, role, language, active, created_at,"
        " password_changed_at) VALUES ('kept', '', '', 'x', 'user', 'pt_BR', 1, '2026-01-01', '2026-01-01')"
    )
    before = {table: count for table, count in _row_counts(database).items() if table != "schema_version"}
    migrations.upgrade(database)
    assert {table: _row_counts(database)[table] for table in before} == before


def test_a_failing_migration_leaves_the_previous_version(database, monkeypatch):
    migrations.upgrade(database, target=1)
    real = migrations.available()

    def broken(db_, migrator):
        db_.execute_sql("CREATE TABLE half_done (id INTEGER)")
        raise peewee.OperationalError("boom")

    fake = real[:1] + [(99, "broken", type("M", (), {"up": staticmethod(broken)}))]
    monkeypatch.setattr(migrations, "available", lambda: fake)
    with pytest.raises(peewee.OperationalError):
        migrations.upgrade(database)
    assert migrations.current(database) == 1
    assert "half_done" not in database.get_tables()


def test_a_migration_merged_below_the_newest_applied_still_runs(database):
    # Branches numbered their migrations in parallel: a database that reached 12 before 9 landed gets 9 too.
    migrations.upgrade(database)
    with migrations.SchemaVersion.bind_ctx(database):
        migrations.SchemaVersion.delete().where(migrations.SchemaVersion.version == 9).execute()
    database.execute_sql("DROP TABLE bans")
    assert migrations.upgrade(database) == [9]
    assert "bans" in database.get_tables()
