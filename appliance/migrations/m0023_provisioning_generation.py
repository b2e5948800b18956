"""Provisioning content generation (issue 18): one counter every change a phone's files depend on bumps.

SQLite triggers, not the services, bump it, so no writer (a service, the CLI, an import, a
future one) can change what a phone is served without its cached files and validators going
stale. Only the columns the files are rendered from fire them: a phone noting its last fetch,
or a user's presence, leave every phone's cache alone.
"""
import peewee

#: table -> the columns whose update changes some phone's files (None: every column).
WATCHED = {
    "extensions": ("number", "name", "enabled"),
    "devices": ("extension_id", "sip_username", "sip_password", "mac", "vendor", "model", "prov_token",
                "phone_admin_password"),
    "contacts": None,
    "contact_numbers": None,
}
_BUMP = ("UPDATE provisioning_generation SET generation = generation + 1, "
         "changed_at = (julianday('now') - 2440587.5) * 86400.0 WHERE id = 1;")


def up(db, migrator):
    """Create provisioning_generation (one row) and the triggers that bump it."""
    if not isinstance(db, peewee.SqliteDatabase):
        raise RuntimeError("provisioning generation triggers are written for SQLite")

    class ProvisioningGeneration(peewee.Model):
        generation = peewee.IntegerField(default=1)
        #: Unix time (float) of the last bump: the Last-Modified of every phone's own files.
        changed_at = peewee.FloatField()

        class Meta:
            database = db
            table_name = "provisioning_generation"

    db.create_tables([ProvisioningGeneration])
    db.execute_sql("INSERT INTO provisioning_generation (id, generation, changed_at) "
                   "VALUES (1, 1, (julianday('now') - 2440587.5) * 86400.0)")
    for table, columns in WATCHED.items():
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        for event in ("INSERT", update, "DELETE"):
            name = f"prov_gen_{table}_{event.split()[0].lower()}"
            db.execute_sql(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {_BUMP} END")
