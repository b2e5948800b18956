"""Call-center supervision: who supervises which queue, each queue's targets, the TV wallboards' links."""
import peewee

from appliance.db import BaseModel
from appliance.models.queues import Queue
from appliance.models.users import User


class QueueSupervisor(BaseModel):
    """A supervisor who sees (and acts on, and listens to) one queue's agents and callers."""

    queue = peewee.ForeignKeyField(Queue, backref="supervisors", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, backref="supervised_queues", on_delete="CASCADE")

    class Meta:
        table_name = "queue_supervisors"
        indexes = ((("queue", "user"), True),)


class QueueTarget(BaseModel):
    """A queue's service-level target and alert thresholds (dashboard colours, wallboard, SLA alerts)."""

    queue = peewee.ForeignKeyField(Queue, backref="targets", on_delete="CASCADE", unique=True)
    #: Service level: at least ``sl_percent`` % of calls answered within ``sl_seconds``.
    sl_seconds = peewee.IntegerField(default=20)
    sl_percent = peewee.IntegerField(default=80)
    #: Alert above this many callers waiting / this longest wait (0: no alert).
    max_waiting = peewee.IntegerField(default=0)
    max_wait_seconds = peewee.IntegerField(default=0)
    #: Addresses (one a line) the SLA alerts go to.
    alert_emails = peewee.TextField(default="")

    class Meta:
        table_name = "queue_targets"


class WallboardToken(BaseModel):
    """A read-only link for a TV: the queues it shows; only the hash of its secret is kept."""

    name = peewee.CharField(max_length=64)
    token_hash = peewee.CharField(max_length=64, unique=True)
    #: Queue ids, comma-separated.
    queues = peewee.CharField(max_length=400)
    created_at = peewee.DateTimeField()
    revoked_at = peewee.DateTimeField(null=True)

    class Meta:
        table_name = "wallboard_tokens"

    @property
    def queue_ids(self):
        """Return the ids of the queues this wallboard shows."""
        return [int(part) for part in self.queues.split(",") if part.isdigit()]


class CallcenterAlert(BaseModel):
    """One alert episode: a queue over a threshold, or an agent's pause over its limit, until it recovers."""

    #: service_level, waiting, wait_time (subject: the queue's id) or pause (subject: the agent's number).
    kind = peewee.CharField(max_length=16)
    subject = peewee.CharField(max_length=16)
    started_at = peewee.DateTimeField()
    #: None while the episode lasts.
    ended_at = peewee.DateTimeField(null=True)
    detail = peewee.CharField(max_length=200, default="")

    class Meta:
        table_name = "callcenter_alerts"
        indexes = ((("kind", "subject", "ended_at"), False),)


class QueueLogRow(BaseModel):
    """One line of app_queue's queue_log, copied from the file Asterisk writes (services/queue_log.py)."""

    #: Epoch seconds (the file's resolution).
    time = peewee.BigIntegerField()
    callid = peewee.CharField(max_length=80)
    #: app_queue's name (``q<id>``) and the agent's extension number (log_membername_as_agent).
    queue = peewee.CharField(max_length=40)
    agent = peewee.CharField(max_length=40)
    event = peewee.CharField(max_length=32)
    data1 = peewee.CharField(max_length=100, default="")
    data2 = peewee.CharField(max_length=100, default="")
    data3 = peewee.CharField(max_length=100, default="")
    data4 = peewee.CharField(max_length=100, default="")
    data5 = peewee.CharField(max_length=100, default="")

    class Meta:
        table_name = "queue_log"
        # (queue, time, …) covers every report query filtered by queues and a range: no table reads
        # (bench/queue_reports.py: 2-5x faster at 10,000,000 rows than (queue, time) alone).
        indexes = ((("time",), False), (("queue", "time", "event", "agent", "data1", "data2", "data3"), False),
                   (("agent", "time"), False))
