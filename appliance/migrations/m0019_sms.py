"""SMS: providers, their numbers, messages, submitted parts, received fragments (issue 12, part 6)."""
import peewee


def up(db, migrator):
    """Create the SMS tables as they are at this version."""

    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Extensions(Base):  # only referenced, created by m0002
        class Meta:
            table_name = "extensions"

    class SmsProviders(Base):
        name = peewee.CharField(max_length=64, unique=True)
        kind = peewee.CharField(max_length=8)
        enabled = peewee.BooleanField(default=True)
        host = peewee.CharField(max_length=255, default="")
        port = peewee.IntegerField(default=2775)
        system_id = peewee.CharField(max_length=16, default="")
        password = peewee.CharField(max_length=64, default="")
        system_type = peewee.CharField(max_length=13, default="")
        url = peewee.CharField(max_length=500, default="")
        method = peewee.CharField(max_length=8, default="POST")
        headers = peewee.TextField(default="{}")
        body_template = peewee.TextField(default="")
        id_path = peewee.CharField(max_length=100, default="")
        inbound_secret_hash = peewee.CharField(max_length=64, default="")
        created_at = peewee.DateTimeField()

        class Meta:
            table_name = "sms_providers"

    class SmsNumbers(Base):
        number = peewee.CharField(max_length=20, unique=True)
        provider = peewee.ForeignKeyField(SmsProviders, on_delete="CASCADE")
        extension = peewee.ForeignKeyField(Extensions, null=True, on_delete="SET NULL")

        class Meta:
            table_name = "sms_numbers"

    class SmsMessages(Base):
        direction = peewee.CharField(max_length=3)
        channel = peewee.CharField(max_length=8)
        own_number = peewee.CharField(max_length=20)
        peer = peewee.CharField(max_length=20)
        extension = peewee.ForeignKeyField(Extensions, null=True, on_delete="SET NULL")
        body = peewee.TextField()
        encoding = peewee.CharField(max_length=8, default="")
        parts = peewee.IntegerField(default=1)
        provider = peewee.ForeignKeyField(SmsProviders, null=True, on_delete="SET NULL")
        status = peewee.CharField(max_length=10, default="queued")
        reason = peewee.CharField(max_length=200, default="")
        created_by = peewee.CharField(max_length=80, default="")
        attempts = peewee.IntegerField(default=0)
        next_attempt_at = peewee.DateTimeField(null=True)
        created_at = peewee.DateTimeField()
        sent_at = peewee.DateTimeField(null=True)
        delivered_at = peewee.DateTimeField(null=True)
        updated_at = peewee.DateTimeField()

        class Meta:
            table_name = "sms_messages"
            indexes = ((("extension", "peer", "id"), False), (("status", "channel"), False))

    class SmsParts(Base):
        message = peewee.ForeignKeyField(SmsMessages, on_delete="CASCADE")
        seq = peewee.IntegerField()
        provider_message_id = peewee.CharField(max_length=65, default="", index=True)
        status = peewee.CharField(max_length=10, default="sending")
        error = peewee.CharField(max_length=32, default="")

        class Meta:
            table_name = "sms_parts"
            indexes = ((("message", "seq"), True),)

    class SmsFragments(Base):
        provider = peewee.ForeignKeyField(SmsProviders, on_delete="CASCADE")
        peer = peewee.CharField(max_length=20)
        own_number = peewee.CharField(max_length=20)
        reference = peewee.IntegerField()
        total = peewee.IntegerField()
        seq = peewee.IntegerField()
        text = peewee.TextField()
        received_at = peewee.DateTimeField()

        class Meta:
            table_name = "sms_fragments"
            indexes = ((("provider", "peer", "reference", "seq"), True),)

    db.create_tables([SmsProviders, SmsNumbers, SmsMessages, SmsParts, SmsFragments])
