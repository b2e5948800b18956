"""Versioned schema migrations that upgrade a database in place without losing rows.

Each migration is a module ``mNNNN_<name>.py`` with ``up(db, migrator)``. Migrations
never import the live models: they declare the tables they create as they were at
that version (frozen), so an old migration keeps meaning the same thing after the
models move on. ``schema_version`` records which ones ran.
"""
import datetime
import importlib
import pkgutil

import peewee
from playhouse.migrate import PostgresqlMigrator, SqliteMigrator


class SchemaVersion(peewee.Model):
    """One row per applied migration."""

    version = peewee.IntegerField(primary_key=True)
    name = peewee.CharField()
    applied_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

    class Meta:
        table_name = "schema_version"


def available():
    """Return ``[(version, name, module)]`` of every migration shipped, in order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("m") and info.name[1:5].isdigit():
            found.append((int(info.name[1:5]), info.name[6:], importlib.import_module(f"{__name__}.{info.name}")))
    return sorted(found, key=lambda item: item[0])


def head():
    """Return the newest migration version shipped."""
    return available()[-1][0]


def current(db):
    """Return the version the database is at (0 when empty)."""
    with SchemaVersion.bind_ctx(db):
        if not SchemaVersion.table_exists():
            return 0
        return SchemaVersion.select(peewee.fn.MAX(SchemaVersion.version)).scalar() or 0


def _migrator(db):
    if isinstance(db, peewee.PostgresqlDatabase):
        return PostgresqlMigrator(db)
    return SqliteMigrator(db)


def upgrade(db, target=None, log=lambda message: None):
    """Apply every pending migration up to ``target`` (default: head); return the versions applied."""
    target = head() if target is None else target
    applied = []
    with SchemaVersion.bind_ctx(db):
        db.create_tables([SchemaVersion], safe=True)
        # Every shipped migration not yet recorded runs, in order, even one numbered below the newest
        # applied: migrations written on parallel branches land in any order.
        done = {row.version for row in SchemaVersion.select(SchemaVersion.version)}
        for version, name, module in available():
            if version not in done and version <= target:
                # Each step is atomic: a failing migration leaves the previous version intact.
                with db.atomic():
                    module.up(db, _migrator(db))
                    SchemaVersion.create(version=version, name=name)
                log(f"migrated to {version:04d} {name}")
                applied.append(version)
    return applied
