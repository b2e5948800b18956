"""The SMTP relay settings, the voicemail e-mails already decided, and call-history indexes."""
import datetime

import peewee
from playhouse.migrate import migrate


def up(db, migrator):
    """Create mail_settings and voicemail_mailings; index call_records for per-extension history by date."""

    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class MailSettings(Base):
        host = peewee.CharField(max_length=253, default="")
        port = peewee.IntegerField(default=587)
        security = peewee.CharField(max_length=16, default="starttls")
        username = peewee.CharField(max_length=254, default="")
        password = peewee.CharField(max_length=254, default="")
        sender = peewee.CharField(max_length=254, default="")
        updated_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            table_name = "mail_settings"

    class VoicemailMailings(Base):
        msg_id = peewee.CharField(max_length=64, primary_key=True)
        mailbox = peewee.CharField(max_length=16)
        recipient = peewee.CharField(max_length=254)
        status = peewee.CharField(max_length=16, default="sending")
        attempts = peewee.IntegerField(default=0)
        last_error = peewee.CharField(max_length=500, default="")
        next_attempt_at = peewee.DateTimeField(null=True)
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)
        sent_at = peewee.DateTimeField(null=True)

        class Meta:
            table_name = "voicemail_mailings"

    db.create_tables([MailSettings, VoicemailMailings])
    # The history page asks "calls of 201 between two dates, newest first": one index per side
    # of the OR (src = 201 / dst = 201) lets SQLite seek the date range instead of scanning it.
    migrate(
        migrator.add_index("call_records", ("src", "calldate"), unique=False),
        migrator.add_index("call_records", ("dst", "calldate"), unique=False),
    )
