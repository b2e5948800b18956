"""Events from the daemon to the web workers, and webhooks (issue 12, decision 018)."""
import peewee


def up(db, migrator):
    """Create events (the daemon's published events), webhook_endpoints, webhook_deliveries, webhook_attempts."""

    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Events(Base):
        type = peewee.CharField(max_length=40)
        created_at = peewee.DateTimeField(index=True)
        extensions = peewee.CharField(max_length=255, default="")
        payload = peewee.TextField(default="{}")

        class Meta:
            table_name = "events"

    class WebhookEndpoints(Base):
        name = peewee.CharField(max_length=64)
        url = peewee.CharField(max_length=500)
        secret = peewee.CharField(max_length=80)
        event_types = peewee.TextField(default="")
        enabled = peewee.BooleanField(default=True)
        created_by = peewee.CharField(max_length=64, default="")
        created_at = peewee.DateTimeField()
        failing_since = peewee.DateTimeField(null=True)
        last_success_at = peewee.DateTimeField(null=True)
        disabled_reason = peewee.CharField(max_length=255, default="")

        class Meta:
            table_name = "webhook_endpoints"

    class WebhookDeliveries(Base):
        endpoint = peewee.ForeignKeyField(WebhookEndpoints, on_delete="CASCADE", index=True)
        event_id = peewee.IntegerField(null=True)
        uid = peewee.CharField(max_length=40, unique=True)
        type = peewee.CharField(max_length=40)
        payload = peewee.TextField()
        status = peewee.CharField(max_length=16, default="pending")
        attempts = peewee.IntegerField(default=0)
        next_attempt_at = peewee.DateTimeField(null=True, index=True)
        created_at = peewee.DateTimeField(index=True)
        last_attempt_at = peewee.DateTimeField(null=True)
        response_code = peewee.IntegerField(null=True)
        error = peewee.CharField(max_length=255, default="")
        latency_ms = peewee.FloatField(null=True)

        class Meta:
            table_name = "webhook_deliveries"

    class WebhookAttempts(Base):
        delivery = peewee.ForeignKeyField(WebhookDeliveries, on_delete="CASCADE", index=True)
        at = peewee.DateTimeField()
        response_code = peewee.IntegerField(null=True)
        response_body = peewee.CharField(max_length=500, default="")
        error = peewee.CharField(max_length=255, default="")
        latency_ms = peewee.FloatField(null=True)

        class Meta:
            table_name = "webhook_attempts"

    db.create_tables([Events, WebhookEndpoints, WebhookDeliveries, WebhookAttempts])
