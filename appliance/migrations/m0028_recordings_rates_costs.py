"""Call recording, rates and cost centers (issue 13): recording policies, recordings, rates, call costs,
cost centers, their monthly roll-ups and budget alerts."""
import peewee


def up(db, migrator):
    """Add recording policies and create recordings."""

    class Recording(peewee.Model):
        name = peewee.CharField(max_length=255, unique=True)
        linkedid = peewee.CharField(max_length=150, index=True)
        call_found = peewee.BooleanField(default=True)
        started_at = peewee.DateTimeField(index=True)
        path = peewee.CharField(max_length=255)
        size = peewee.IntegerField(default=0)
        seconds = peewee.IntegerField(default=0)
        delete_after = peewee.DateTimeField(null=True, index=True)
        created_at = peewee.DateTimeField()

        class Meta:
            database = db
            table_name = "recordings"

    # A plain ADD COLUMN with its default: playhouse's add_column makes a NOT NULL column by rebuilding the
    # table on SQLite, which drops its triggers (m0023's provisioning generation on extensions).
    for table in ("extensions", "inbound_routes", "outbound_routes"):
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN recording VARCHAR(10) NOT NULL DEFAULT 'never'")

    class Trunk(peewee.Model):
        class Meta:
            database = db
            table_name = "trunks"

    class CallRecord(peewee.Model):
        class Meta:
            database = db
            table_name = "call_records"

    class Rate(peewee.Model):
        trunk = peewee.ForeignKeyField(Trunk, on_delete="CASCADE")
        prefix = peewee.CharField(max_length=20)
        description = peewee.CharField(max_length=64, default="")
        price_per_minute = peewee.IntegerField()
        connection_fee = peewee.IntegerField(default=0)
        minimum_seconds = peewee.IntegerField(default=30)
        increment_seconds = peewee.IntegerField(default=6)

        class Meta:
            database = db
            table_name = "rates"
            indexes = ((("trunk", "prefix"), True),)

    class CallCost(peewee.Model):
        record = peewee.ForeignKeyField(CallRecord, unique=True, on_delete="CASCADE")
        calldate = peewee.DateTimeField()
        trunk_id = peewee.IntegerField(null=True)
        rate = peewee.ForeignKeyField(Rate, null=True, on_delete="SET NULL")
        extension = peewee.CharField(max_length=20, default="")
        cost_center_id = peewee.IntegerField(default=0)
        destination_class = peewee.CharField(max_length=16, default="")
        number = peewee.CharField(max_length=40, default="")
        billed_seconds = peewee.IntegerField(default=0)
        cost_cents = peewee.IntegerField(default=0)
        priced_at = peewee.DateTimeField()

        class Meta:
            database = db
            table_name = "call_costs"
            indexes = ((("calldate", "extension"), False),)

    class CostCenter(peewee.Model):
        name = peewee.CharField(max_length=64, unique=True)
        monthly_budget_cents = peewee.IntegerField(default=0)
        alert_email = peewee.CharField(max_length=254, default="")
        created_at = peewee.DateTimeField()

        class Meta:
            database = db
            table_name = "cost_centers"

    class CostCenterMember(peewee.Model):
        center = peewee.ForeignKeyField(CostCenter, on_delete="CASCADE")
        kind = peewee.CharField(max_length=10)
        ref_id = peewee.IntegerField()

        class Meta:
            database = db
            table_name = "cost_center_members"
            indexes = ((("kind", "ref_id"), True),)

    class CostRollup(peewee.Model):
        month = peewee.CharField(max_length=7)
        cost_center_id = peewee.IntegerField(default=0)
        extension = peewee.CharField(max_length=20, default="")
        destination_class = peewee.CharField(max_length=16, default="")
        calls = peewee.IntegerField(default=0)
        billed_seconds = peewee.BigIntegerField(default=0)
        cost_cents = peewee.BigIntegerField(default=0)

        class Meta:
            database = db
            table_name = "cost_rollups"
            indexes = ((("month", "cost_center_id", "extension", "destination_class"), True),)

    class BudgetAlert(peewee.Model):
        center = peewee.ForeignKeyField(CostCenter, on_delete="CASCADE")
        month = peewee.CharField(max_length=7)
        level = peewee.IntegerField()
        sent_at = peewee.DateTimeField()

        class Meta:
            database = db
            table_name = "budget_alerts"
            indexes = ((("center", "month", "level"), True),)

    db.create_tables([Recording, Rate, CallCost, CostCenter, CostCenterMember, CostRollup, BudgetAlert])
