"""Jitsi Meet meetings: a room name on the Jitsi server, a time, invitees and a dial-in PIN."""
import peewee

from appliance.db import BaseModel


class JitsiMeeting(BaseModel):
    """A meeting on the configured Jitsi server (``room_name`` there), reachable by phone with ``dialin_pin``."""

    title = peewee.CharField(max_length=120)
    #: The room's name on the Jitsi server: random, lower case, so it cannot be guessed from the title.
    room_name = peewee.CharField(max_length=64, unique=True)
    starts_at = peewee.DateTimeField()
    ends_at = peewee.DateTimeField()
    #: Digits a phone caller types after dialling JITSI_DIALIN_NUMBER (jigasi joins them to the room).
    dialin_pin = peewee.CharField(max_length=8, unique=True)
    #: E-mail addresses invited, one a line; the organiser (a moderator) first.
    invitees = peewee.TextField(default="")
    organizer_email = peewee.CharField(max_length=254, default="")
    created_at = peewee.DateTimeField()

    class Meta:
        table_name = "jitsi_meetings"
