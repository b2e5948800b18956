"""Extension fields (e-mail, language, voicemail, call limits, linked user, user toggles), ring and pickup groups."""
import secrets

import peewee
from playhouse.migrate import migrate


def up(db, migrator):
    """Widen extensions and create ring_groups, ring_group_members, pickup_groups, pickup_group_members."""

    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Users(Base):
        class Meta:
            table_name = "users"

    class Extensions(Base):
        class Meta:
            table_name = "extensions"

    migrate(
        migrator.add_column("extensions", "email", peewee.CharField(max_length=254, default="")),
        migrator.add_column("extensions", "language", peewee.CharField(max_length=8, default="pt_BR")),
        migrator.add_column("extensions", "voicemail_enabled", peewee.BooleanField(default=True)),
        migrator.add_column("extensions", "voicemail_pin", peewee.CharField(max_length=12, default="")),
        migrator.add_column("extensions", "max_calls", peewee.IntegerField(default=2)),
        migrator.add_column("extensions", "ring_seconds", peewee.IntegerField(default=25)),
        migrator.add_column("extensions", "user_id", peewee.ForeignKeyField(
            Users, field=Users.id, null=True, unique=True, on_delete="SET NULL")),
        migrator.add_column("extensions", "dnd", peewee.BooleanField(default=False)),
        migrator.add_column("extensions", "forward_always", peewee.CharField(max_length=32, default="")),
        migrator.add_column("extensions", "forward_busy", peewee.CharField(max_length=32, default="")),
        migrator.add_column("extensions", "forward_no_answer", peewee.CharField(max_length=32, default="")),
        migrator.add_column("extensions", "forward_unavailable", peewee.CharField(max_length=32, default="")),
        migrator.add_column("extensions", "presence", peewee.CharField(max_length=16, default="available")),
        migrator.add_column("extensions", "presence_text", peewee.CharField(max_length=64, default="")),
        migrator.add_column("extensions", "toggles_pushed", peewee.BooleanField(default=True)),
    )

    # Existing mailboxes get a random PIN: app_voicemail opens a mailbox with an empty one to anyone.
    for (extension_id,) in db.execute_sql("SELECT id FROM extensions").fetchall():
        pin = "".join(secrets.choice("0123456789") for _ in range(6))
        db.execute_sql(f"UPDATE extensions SET voicemail_pin = {db.param} WHERE id = {db.param}", (pin, extension_id))

    class RingGroups(Base):
        number = peewee.CharField(max_length=8, unique=True)
        name = peewee.CharField(max_length=64)
        strategy = peewee.CharField(max_length=16, default="ringall")
        ring_seconds = peewee.IntegerField(default=20)
        member_seconds = peewee.IntegerField(default=15)
        destination = peewee.CharField(max_length=40, default="hangup")

        class Meta:
            table_name = "ring_groups"

    class RingGroupMembers(Base):
        group = peewee.ForeignKeyField(RingGroups, on_delete="CASCADE")
        extension = peewee.ForeignKeyField(Extensions, on_delete="CASCADE")
        position = peewee.IntegerField()

        class Meta:
            table_name = "ring_group_members"
            indexes = ((("group", "extension"), True),)

    class PickupGroups(Base):
        name = peewee.CharField(max_length=40, unique=True)

        class Meta:
            table_name = "pickup_groups"

    class PickupGroupMembers(Base):
        group = peewee.ForeignKeyField(PickupGroups, on_delete="CASCADE")
        extension = peewee.ForeignKeyField(Extensions, on_delete="CASCADE")

        class Meta:
            table_name = "pickup_group_members"
            indexes = ((("group", "extension"), True),)

    db.create_tables([RingGroups, RingGroupMembers, PickupGroups, PickupGroupMembers])
