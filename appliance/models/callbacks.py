"""Callbacks: a customer asked to be called back; the PBX rings an agent first, then the customer."""
import peewee

from appliance.db import BaseModel
from appliance.models.extensions import Extension
from appliance.models.users import utcnow

#: A callback's life: waiting for its time, ringing now, connected, or given up (``failure`` says why).
STATUSES = ("pending", "calling", "done", "failed")


class Callback(BaseModel):
    """One request to call a customer back, durable from the moment it is asked until it ends."""

    #: The customer's number, as dialled out (digits, optionally after a +).
    number = peewee.CharField(max_length=32)
    #: Why the customer asked: shown to the agent as the caller's name (letters, digits, spaces).
    reason = peewee.CharField(max_length=40, default="")
    #: Who takes the call first: a destination's text ("extension:201", "queue:700").
    agent = peewee.CharField(max_length=40)
    #: Where it came from: "web", "api", "ivr" (the offer-callback destination) or "queue" (a waiting caller).
    source = peewee.CharField(max_length=8, default="web")
    status = peewee.CharField(max_length=8, default="pending", index=True)
    #: When the next attempt may start (UTC); inside ``schedule``'s open hours when one is set.
    due_at = peewee.DateTimeField(default=utcnow, index=True)
    schedule_id = peewee.IntegerField(null=True)
    #: A queue callback's place (1 = first) where its caller left the queue; 0: join at the end.
    position = peewee.IntegerField(default=0)
    #: DISA callbacks: wrong PINs typed in this attempt (three end it).
    pin_failures = peewee.IntegerField(default=0)
    attempts = peewee.IntegerField(default=0)
    max_attempts = peewee.IntegerField(default=3)
    #: Seconds between a busy / unanswered attempt and the next.
    retry_seconds = peewee.IntegerField(default=300)
    #: The outcome of the last attempt in the app's words ("busy", "no_answer", "agent_busy"…).
    last_result = peewee.CharField(max_length=16, default="")
    #: Why it failed for good (a msgid key of services.callbacks.FAILURES).
    failure = peewee.CharField(max_length=16, default="")
    #: The AMI ActionID of the attempt under way (matches OriginateResponse).
    action_id = peewee.CharField(max_length=64, default="")
    started_at = peewee.DateTimeField(null=True)
    created_by = peewee.CharField(max_length=64, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "callbacks"


class DisaNumber(BaseModel):
    """An authorised number for the cost-saving callback: it calls the DISA DID, is called back, types a PIN.

    The dial tone it then gets places calls as ``extension`` would (its call profile, its caller ID).
    """

    #: The caller ID it arrives with (digits, as the carrier sends it).
    number = peewee.CharField(max_length=20, unique=True)
    #: How the PBX dials it back (through the extension's profile); usually the number with 0 + area code.
    dial = peewee.CharField(max_length=32)
    extension = peewee.ForeignKeyField(Extension, backref="+", on_delete="CASCADE")
    #: The PIN, hashed like a password (appliance/passwords.py); never stored or shown in clear.
    pin_hash = peewee.CharField(max_length=255)
    enabled = peewee.BooleanField(default=True)
    #: Callbacks it may get per day (UTC); more are refused and logged.
    max_per_day = peewee.IntegerField(default=5)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "disa_numbers"
