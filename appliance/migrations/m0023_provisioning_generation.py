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
_SQLITE_NOW = "((julianday('now') - 2440587.5) * 86400.0)"


def up(db, migrator):
    """Create provisioning_generation (one row) and the triggers that bump it."""

    class ProvisioningGeneration(peewee.Model):
        generation = peewee.IntegerField(default=1)
        #: Unix time (float) of the last bump: the Last-Modified of every phone's own files.
        changed_at = peewee.FloatField()

        class Meta:
            database = db
            table_name = "provisioning_generation"

    db.create_tables([ProvisioningGeneration])
    sqlite = isinstance(db, peewee.SqliteDatabase)
    now = _SQLITE_NOW if sqlite else "extract(epoch from clock_timestamp())"
    bump = f"UPDATE provisioning_generation SET generation = generation + 1, changed_at = {now} WHERE id = 1"
    db.execute_sql(f"INSERT INTO provisioning_generation (id, generation, changed_at) VALUES (1, 1, {now})")
    if not sqlite:  # PostgreSQL: one function, statement-level triggers
        db.execute_sql("CREATE FUNCTION prov_generation_bump() RETURNS trigger LANGUAGE plpgsql AS "
                       f"$$ BEGIN {bump}; RETURN NULL; END $$")
    for table, columns in WATCHED.items():
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        for event in ("INSERT", update, "DELETE"):
            name = f"prov_gen_{table}_{event.split()[0].lower()}"
            body = f"BEGIN {bump}; END" if sqlite else "FOR EACH STATEMENT EXECUTE PROCEDURE prov_generation_bump()"
            db.execute_sql(f"CREATE TRIGGER {name} AFTER {event} ON {table} {body}")
