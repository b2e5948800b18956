"""Call-center queues, their agents (extensions as members) and the reasons agents give for a pause."""
import peewee

from appliance.db import BaseModel
from appliance.models.extensions import Extension
from appliance.models.ivr import Prompt


class Queue(BaseModel):
    """A number callers wait at until an agent answers (app_queue ``q<id>``)."""

    number = peewee.CharField(max_length=8, unique=True)
    name = peewee.CharField(max_length=64)
    strategy = peewee.CharField(max_length=16, default="ringall")
    #: How long each agent rings; the pause between rounds; an agent's rest after a call.
    ring_seconds = peewee.IntegerField(default=15)
    retry_seconds = peewee.IntegerField(default=5)
    wrapup_seconds = peewee.IntegerField(default=0)
    #: The longest a caller waits (0: no limit) and where the call goes then (a destination's text).
    max_wait_seconds = peewee.IntegerField(default=0)
    timeout_destination = peewee.CharField(max_length=40, default="hangup")
    #: The most callers waiting at once (0: no limit) and where one more goes.
    max_callers = peewee.IntegerField(default=0)
    full_destination = peewee.CharField(max_length=40, default="hangup")
    #: Whether callers may join while no agent can take calls, and whether they leave when none can;
    #: refused or leaving callers go to ``empty_destination``.
    join_empty = peewee.BooleanField(default=True)
    leave_empty = peewee.BooleanField(default=False)
    empty_destination = peewee.CharField(max_length=40, default="hangup")
    moh_class = peewee.CharField(max_length=40, default="default")
    #: Every N seconds (0: never) callers hear their position and/or the estimated hold time.
    announce_seconds = peewee.IntegerField(default=0)
    announce_position = peewee.BooleanField(default=True)
    announce_holdtime = peewee.BooleanField(default=False)
    #: A sound played every ``periodic_seconds`` (empty or 0: none).
    periodic_announce = peewee.CharField(max_length=64, default="")
    periodic_seconds = peewee.IntegerField(default=0)
    #: A key (0-9, * or #) that takes a waiting caller out to ``exit_destination`` ("" : none).
    exit_key = peewee.CharField(max_length=1, default="")
    exit_destination = peewee.CharField(max_length=40, default="hangup")
    #: Recording of the calls it takes: "never", "always", "on_demand" (m0030; decision 036).
    recording = peewee.CharField(max_length=10, default="never")
    #: Days its recordings are kept (0: the global RECORDINGS_KEEP_DAYS; the longest applicable wins, m0030).
    recording_keep_days = peewee.IntegerField(default=0)
    #: The prompt the parties hear when its policy starts a recording (None: no announcement; m0030).
    recording_prompt = peewee.ForeignKeyField(Prompt, null=True, on_delete="RESTRICT", backref="+")

    class Meta:
        table_name = "queues"


class QueueMember(BaseModel):
    """An extension that takes a queue's calls: always (static) or while logged in (dynamic)."""

    queue = peewee.ForeignKeyField(Queue, backref="members", on_delete="CASCADE")
    extension = peewee.ForeignKeyField(Extension, backref="queue_memberships", on_delete="CASCADE")
    #: Lower rings first: agents with penalty 1 ring only when no penalty-0 agent can.
    penalty = peewee.IntegerField(default=0)
    #: Static members are in the queue from the start; dynamic ones log in and out.
    static = peewee.BooleanField(default=True)
    position = peewee.IntegerField(default=0)

    class Meta:
        table_name = "queue_members"
        indexes = ((("queue", "extension"), True),)


class PauseReason(BaseModel):
    """Why an agent pauses (Almoço, Treinamento…): its code after the pause feature code, a limit, productive or not."""

    code = peewee.IntegerField(unique=True)
    name = peewee.CharField(max_length=40, unique=True)
    #: Minutes after which the pause is over its limit (None: no limit).
    max_minutes = peewee.IntegerField(null=True)
    productive = peewee.BooleanField(default=False)

    class Meta:
        table_name = "pause_reasons"
