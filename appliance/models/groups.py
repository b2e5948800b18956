"""Ring groups (one number ringing several extensions) and pickup groups (who may answer whose calls)."""
import peewee

from appliance.db import BaseModel
from appliance.models.extensions import Extension


class RingGroup(BaseModel):
    """A number that rings several extensions: all at once, one by one, or one more each round."""

    number = peewee.CharField(max_length=8, unique=True)
    name = peewee.CharField(max_length=64)
    strategy = peewee.CharField(max_length=16, default="ringall")
    #: Ring all: how long everyone rings; hunt strategies: the whole hunt's limit.
    ring_seconds = peewee.IntegerField(default=20)
    #: Hunt strategies: how long each step rings.
    member_seconds = peewee.IntegerField(default=15)
    #: Where an unanswered call goes: a destination's text (appliance.destinations), e.g. "voicemail:201".
    destination = peewee.CharField(max_length=40, default="hangup")

    class Meta:
        table_name = "ring_groups"


class RingGroupMember(BaseModel):
    """An extension in a ring group, at its place in the hunt order."""

    group = peewee.ForeignKeyField(RingGroup, backref="members", on_delete="CASCADE")
    extension = peewee.ForeignKeyField(Extension, backref="ring_groups", on_delete="CASCADE")
    position = peewee.IntegerField()

    class Meta:
        table_name = "ring_group_members"
        indexes = ((("group", "extension"), True),)


class PickupGroup(BaseModel):
    """Extensions that may answer each other's ringing calls with the pickup code."""

    name = peewee.CharField(max_length=40, unique=True)

    class Meta:
        table_name = "pickup_groups"


class PickupGroupMember(BaseModel):
    """An extension in a pickup group."""

    group = peewee.ForeignKeyField(PickupGroup, backref="members", on_delete="CASCADE")
    extension = peewee.ForeignKeyField(Extension, backref="pickup_groups", on_delete="CASCADE")

    class Meta:
        table_name = "pickup_group_members"
        indexes = ((("group", "extension"), True),)
