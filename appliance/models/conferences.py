"""Conference rooms (app_confbridge): a number people dial, PINs, and who waits for whom."""
import peewee

from appliance.db import BaseModel


class ConferenceRoom(BaseModel):
    """A ConfBridge room ``c<id>`` reached by dialling ``number`` (names.conference_name)."""

    number = peewee.CharField(max_length=8, unique=True)
    name = peewee.CharField(max_length=64)
    #: Digits a participant types to enter ("" : no PIN) and those that make a moderator ("" : nobody is one).
    pin = peewee.CharField(max_length=12, default="")
    moderator_pin = peewee.CharField(max_length=12, default="")
    #: Participants hear music, and hear nobody, until a moderator is in (ConfBridge's marked user).
    wait_for_moderator = peewee.BooleanField(default=False)
    #: The most people in the room at once (0: no limit).
    max_members = peewee.IntegerField(default=0)
    #: Browser participants send and see video, each stream relayed to the others (ConfBridge SFU mode).
    video = peewee.BooleanField(default=True)
    #: Join and leave prompts ("you are the only person…") played to participants.
    announce = peewee.BooleanField(default=True)

    class Meta:
        table_name = "conference_rooms"


class ConferenceGuest(BaseModel):
    """Someone without an account let into a room by an invitation link: a name and a short-lived SIP login.

    The login is the browser phone's credential for this one room (``sip_username`` is never digits, so it
    never meets the numbering plan); it stops working at ``expires_at``.
    """

    room = peewee.ForeignKeyField(ConferenceRoom, backref="guests", on_delete="CASCADE")
    name = peewee.CharField(max_length=40)
    sip_username = peewee.CharField(max_length=40, unique=True)
    sip_password = peewee.CharField(max_length=64)
    #: The ``jti`` of the link that let them in (the audit log names the link by it).
    link_id = peewee.CharField(max_length=32, index=True)
    created_at = peewee.DateTimeField()
    expires_at = peewee.DateTimeField(index=True)

    class Meta:
        table_name = "conference_guests"
