"""VoiceBots: bots, their intents, and a record per bot call; voicemail transcripts."""
import datetime

import peewee


def up(db, migrator):
    """Create bots, bot_intents, bot_calls and voicemail_transcripts as of version 29."""

    class Prompts(peewee.Model):
        class Meta:
            database = db
            table_name = "prompts"

    class Bots(peewee.Model):
        name = peewee.CharField(max_length=64, unique=True)
        number = peewee.CharField(max_length=8, default="")
        language = peewee.CharField(max_length=8, default="en")
        greeting = peewee.ForeignKeyField(Prompts, null=True, on_delete="SET NULL", backref="+")
        retry_text = peewee.CharField(max_length=200, default="")
        retries = peewee.IntegerField(default=1)
        threshold = peewee.IntegerField(default=60)
        fallback_destination = peewee.CharField(max_length=40, default="hangup")
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "bots"

    class BotIntents(peewee.Model):
        bot = peewee.ForeignKeyField(Bots, backref="+", on_delete="CASCADE")
        position = peewee.IntegerField()
        name = peewee.CharField(max_length=40)
        phrases = peewee.TextField(default="")
        keywords = peewee.CharField(max_length=400, default="")
        answer = peewee.CharField(max_length=200, default="")
        slot = peewee.CharField(max_length=8, default="")
        destination = peewee.CharField(max_length=40)

        class Meta:
            database = db
            table_name = "bot_intents"
            indexes = ((("bot", "position"), True),)

    class BotCalls(peewee.Model):
        uuid = peewee.CharField(max_length=36, unique=True)
        bot = peewee.ForeignKeyField(Bots, null=True, backref="+", on_delete="SET NULL")
        linkedid = peewee.CharField(max_length=150, default="", index=True)
        caller = peewee.CharField(max_length=80, default="")
        transcript = peewee.TextField(default="")
        intent = peewee.CharField(max_length=40, default="")
        score = peewee.IntegerField(default=0)
        slot_value = peewee.CharField(max_length=40, default="")
        outcome = peewee.CharField(max_length=12, default="")
        latency_ms = peewee.IntegerField(default=0)
        started_at = peewee.DateTimeField(default=datetime.datetime.utcnow, index=True)

        class Meta:
            database = db
            table_name = "bot_calls"

    class VoicemailTranscripts(peewee.Model):
        msg_id = peewee.CharField(max_length=64, primary_key=True)
        mailbox = peewee.CharField(max_length=20, default="")
        language = peewee.CharField(max_length=8, default="")
        text = peewee.TextField(default="")
        created_at = peewee.DateTimeField(default=datetime.datetime.utcnow)

        class Meta:
            database = db
            table_name = "voicemail_transcripts"

    db.create_tables([Bots, BotIntents, BotCalls, VoicemailTranscripts])
