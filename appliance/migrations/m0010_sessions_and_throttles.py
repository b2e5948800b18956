"""Server-side web sessions and the throttle counters every web worker shares."""
import peewee


def up(db, migrator):
    """Create web_sessions (one row per logged-in browser) and throttles (failures and waits per key)."""

    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Users(Base):  # only referenced, already created by m0001
        class Meta:
            table_name = "users"

    class WebSessions(Base):
        token_hash = peewee.CharField(max_length=64, unique=True)
        user = peewee.ForeignKeyField(Users, on_delete="CASCADE", index=True)
        created_at = peewee.DateTimeField()
        last_seen_at = peewee.DateTimeField(index=True)
        address = peewee.CharField(max_length=64, default="")
        user_agent = peewee.CharField(max_length=255, default="")

        class Meta:
            table_name = "web_sessions"

    class Throttles(Base):
        key = peewee.CharField(max_length=200, unique=True)
        count = peewee.IntegerField(default=0)
        window_start = peewee.DateTimeField()
        last_at = peewee.DateTimeField(index=True)
        blocked_until = peewee.DateTimeField(null=True)

        class Meta:
            table_name = "throttles"

    db.create_tables([WebSessions, Throttles])
