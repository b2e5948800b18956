"""Call-center supervision: supervisors assigned to queues, each queue's targets, wallboard links."""
import peewee


def up(db, migrator):
    """Create queue_supervisors, queue_targets, wallboard_tokens, callcenter_alerts and queue_log (version 26)."""

    class Users(peewee.Model):
        class Meta:
            database = db
            table_name = "users"

    class Queues(peewee.Model):
        class Meta:
            database = db
            table_name = "queues"

    class QueueSupervisors(peewee.Model):
        queue = peewee.ForeignKeyField(Queues, on_delete="CASCADE")
        user = peewee.ForeignKeyField(Users, on_delete="CASCADE")

        class Meta:
            database = db
            table_name = "queue_supervisors"
            indexes = ((("queue", "user"), True),)

    class QueueTargets(peewee.Model):
        queue = peewee.ForeignKeyField(Queues, on_delete="CASCADE", unique=True)
        sl_seconds = peewee.IntegerField(default=20)
        sl_percent = peewee.IntegerField(default=80)
        max_waiting = peewee.IntegerField(default=0)
        max_wait_seconds = peewee.IntegerField(default=0)
        alert_emails = peewee.TextField(default="")

        class Meta:
            database = db
            table_name = "queue_targets"

    class WallboardTokens(peewee.Model):
        name = peewee.CharField(max_length=64)
        token_hash = peewee.CharField(max_length=64, unique=True)
        queues = peewee.CharField(max_length=400)
        created_at = peewee.DateTimeField()
        revoked_at = peewee.DateTimeField(null=True)

        class Meta:
            database = db
            table_name = "wallboard_tokens"

    class CallcenterAlerts(peewee.Model):
        kind = peewee.CharField(max_length=16)
        subject = peewee.CharField(max_length=16)
        started_at = peewee.DateTimeField()
        ended_at = peewee.DateTimeField(null=True)
        detail = peewee.CharField(max_length=200, default="")

        class Meta:
            database = db
            table_name = "callcenter_alerts"
            indexes = ((("kind", "subject", "ended_at"), False),)

    class QueueLogRows(peewee.Model):
        time = peewee.BigIntegerField()
        callid = peewee.CharField(max_length=80)
        queue = peewee.CharField(max_length=40)
        agent = peewee.CharField(max_length=40)
        event = peewee.CharField(max_length=32)
        data1 = peewee.CharField(max_length=100, default="")
        data2 = peewee.CharField(max_length=100, default="")
        data3 = peewee.CharField(max_length=100, default="")
        data4 = peewee.CharField(max_length=100, default="")
        data5 = peewee.CharField(max_length=100, default="")

        class Meta:
            database = db
            table_name = "queue_log"
            indexes = ((("time",), False), (("queue", "time", "event", "agent", "data1", "data2", "data3"), False),
                       (("agent", "time"), False))

    db.create_tables([QueueSupervisors, QueueTargets, WallboardTokens, CallcenterAlerts, QueueLogRows])
