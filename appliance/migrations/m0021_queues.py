"""Call-center queues, their members and pause reasons."""
import peewee


def up(db, migrator):
    """Create queues, queue_members and pause_reasons as of version 21."""

    class Extensions(peewee.Model):
        class Meta:
            database = db
            table_name = "extensions"

    class Queues(peewee.Model):
        number = peewee.CharField(max_length=8, unique=True)
        name = peewee.CharField(max_length=64)
        strategy = peewee.CharField(max_length=16, default="ringall")
        ring_seconds = peewee.IntegerField(default=15)
        retry_seconds = peewee.IntegerField(default=5)
        wrapup_seconds = peewee.IntegerField(default=0)
        max_wait_seconds = peewee.IntegerField(default=0)
        timeout_destination = peewee.CharField(max_length=40, default="hangup")
        max_callers = peewee.IntegerField(default=0)
        full_destination = peewee.CharField(max_length=40, default="hangup")
        join_empty = peewee.BooleanField(default=True)
        leave_empty = peewee.BooleanField(default=False)
        empty_destination = peewee.CharField(max_length=40, default="hangup")
        moh_class = peewee.CharField(max_length=40, default="default")
        announce_seconds = peewee.IntegerField(default=0)
        announce_position = peewee.BooleanField(default=True)
        announce_holdtime = peewee.BooleanField(default=False)
        periodic_announce = peewee.CharField(max_length=64, default="")
        periodic_seconds = peewee.IntegerField(default=0)
        exit_key = peewee.CharField(max_length=1, default="")
        exit_destination = peewee.CharField(max_length=40, default="hangup")

        class Meta:
            database = db
            table_name = "queues"

    class QueueMembers(peewee.Model):
        queue = peewee.ForeignKeyField(Queues, on_delete="CASCADE")
        extension = peewee.ForeignKeyField(Extensions, on_delete="CASCADE")
        penalty = peewee.IntegerField(default=0)
        static = peewee.BooleanField(default=True)
        position = peewee.IntegerField(default=0)

        class Meta:
            database = db
            table_name = "queue_members"
            indexes = ((("queue", "extension"), True),)

    class PauseReasons(peewee.Model):
        code = peewee.IntegerField(unique=True)
        name = peewee.CharField(max_length=40, unique=True)
        max_minutes = peewee.IntegerField(null=True)
        productive = peewee.BooleanField(default=False)

        class Meta:
            database = db
            table_name = "pause_reasons"

    db.create_tables([Queues, QueueMembers, PauseReasons])
