"""Cost centers (departments, projects): who belongs, monthly budgets, the cost roll-ups and alerts sent."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow

#: What may belong to a cost center; a call goes to its extension's center, else its user's, else its trunk's.
MEMBER_KINDS = ("extension", "user", "trunk")


class CostCenter(BaseModel):
    """A department or project that outside calls are charged to."""

    name = peewee.CharField(max_length=64, unique=True)
    #: Monthly budget in cents (0: none) and who is told at 80 % and 100 % of it.
    monthly_budget_cents = peewee.IntegerField(default=0)
    alert_email = peewee.CharField(max_length=254, default="")
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "cost_centers"


class CostCenterMember(BaseModel):
    """An extension, user or trunk (by id) of a cost center; each belongs to at most one."""

    center = peewee.ForeignKeyField(CostCenter, backref="members", on_delete="CASCADE")
    kind = peewee.CharField(max_length=10)
    ref_id = peewee.IntegerField()

    class Meta:
        table_name = "cost_center_members"
        indexes = ((("kind", "ref_id"), True),)


class CostRollup(BaseModel):
    """Calls, billed seconds and cents per month, cost center (0: none), extension and destination class.

    Kept with the call costs in the same transaction, so the monthly report reads a few hundred rows
    instead of every call of the month.
    """

    month = peewee.CharField(max_length=7)  # YYYY-MM, UTC
    cost_center_id = peewee.IntegerField(default=0)
    extension = peewee.CharField(max_length=20, default="")
    destination_class = peewee.CharField(max_length=16, default="")
    calls = peewee.IntegerField(default=0)
    billed_seconds = peewee.BigIntegerField(default=0)
    cost_cents = peewee.BigIntegerField(default=0)

    class Meta:
        table_name = "cost_rollups"
        indexes = ((("month", "cost_center_id", "extension", "destination_class"), True),)


class BudgetAlert(BaseModel):
    """A budget alert sent: one per center, month and level (80, 100)."""

    center = peewee.ForeignKeyField(CostCenter, on_delete="CASCADE")
    month = peewee.CharField(max_length=7)
    level = peewee.IntegerField()
    sent_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "budget_alerts"
        indexes = ((("center", "month", "level"), True),)
