"""Conference rooms."""
import peewee


def up(db, migrator):
    """Create conference_rooms as of version 25."""

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

    db.create_tables([ConferenceRooms])
