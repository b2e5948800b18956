"""Ring groups' destinations name their kind as the destination registry does: "ring_group:600"."""
import peewee


def up(db, migrator):
    """Rename the stored "group:" prefix to "ring_group:"."""

    class RingGroups(peewee.Model):
        destination = peewee.CharField(max_length=40)

        class Meta:
            database = db
            table_name = "ring_groups"

    for row in RingGroups.select().where(RingGroups.destination.startswith("group:")):
        RingGroups.update(destination="ring_group:" + row.destination[len("group:"):]).where(
            RingGroups.id == row.id).execute()
