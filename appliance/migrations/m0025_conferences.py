"""Conference rooms, their guests, and Jitsi Meet meetings."""
import peewee


def up(db, migrator):
    """Create conference_rooms, conference_guests and jitsi_meetings as of version 25."""

    class ConferenceRooms(peewee.Model):
        number = peewee.CharField(max_length=8, unique=True)
        name = peewee.CharField(max_length=64)
        pin = peewee.CharField(max_length=12, default="")
        moderator_pin = peewee.CharField(max_length=12, default="")
        wait_for_moderator = peewee.BooleanField(default=False)
        max_members = peewee.IntegerField(default=0)
        video = peewee.BooleanField(default=True)
        announce = peewee.BooleanField(default=True)

        class Meta:
            database = db
            table_name = "conference_rooms"

    class ConferenceGuests(peewee.Model):
        room = peewee.ForeignKeyField(ConferenceRooms, on_delete="CASCADE")
        name = peewee.CharField(max_length=40)
        sip_username = peewee.CharField(max_length=40, unique=True)
        sip_password = peewee.CharField(max_length=64)
        link_id = peewee.CharField(max_length=32, index=True)
        created_at = peewee.DateTimeField()
        expires_at = peewee.DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "conference_guests"

    class JitsiMeetings(peewee.Model):
        title = peewee.CharField(max_length=120)
        room_name = peewee.CharField(max_length=64, unique=True)
        starts_at = peewee.DateTimeField()
        ends_at = peewee.DateTimeField()
        dialin_pin = peewee.CharField(max_length=8, unique=True)
        invitees = peewee.TextField(default="")
        organizer_email = peewee.CharField(max_length=254, default="")
        created_at = peewee.DateTimeField()

        class Meta:
            database = db
            table_name = "jitsi_meetings"

    db.create_tables([ConferenceRooms, ConferenceGuests, JitsiMeetings])
