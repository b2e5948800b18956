"""Rates per trunk and destination prefix, and the price of every outside call (decision 031).

Money is never a float: rates are integers in ten-thousandths of the currency unit (R$ 0,0850 is
850), a call's cost is integer cents.
"""
import peewee

from appliance.db import BaseModel
from appliance.models.call_history import CallRecord
from appliance.models.trunks import Trunk
from appliance.models.users import utcnow


class Rate(BaseModel):
    """What a trunk's carrier charges for numbers starting with ``prefix`` (E.164, the longest wins)."""

    trunk = peewee.ForeignKeyField(Trunk, backref="rates", on_delete="CASCADE")
    prefix = peewee.CharField(max_length=20)
    description = peewee.CharField(max_length=64, default="")
    #: Price per minute and connection fee, in ten-thousandths of the currency unit.
    price_per_minute = peewee.IntegerField()
    connection_fee = peewee.IntegerField(default=0)
    #: The first ``minimum_seconds`` are always billed, then blocks of ``increment_seconds`` (30/6).
    minimum_seconds = peewee.IntegerField(default=30)
    increment_seconds = peewee.IntegerField(default=6)

    class Meta:
        table_name = "rates"
        indexes = ((("trunk", "prefix"), True),)


class CallCost(BaseModel):
    """The price of one outside call record, with what the cost report groups by (denormalised)."""

    record = peewee.ForeignKeyField(CallRecord, unique=True, on_delete="CASCADE")
    calldate = peewee.DateTimeField()
    trunk_id = peewee.IntegerField(null=True)
    rate = peewee.ForeignKeyField(Rate, null=True, on_delete="SET NULL")
    #: The calling extension, the route's permission class, the number called (E.164 when the route gives it).
    extension = peewee.CharField(max_length=20, default="")
    #: The cost center charged (0: none), as it was when the call was priced.
    cost_center_id = peewee.IntegerField(default=0)
    destination_class = peewee.CharField(max_length=16, default="")
    number = peewee.CharField(max_length=40, default="")
    billed_seconds = peewee.IntegerField(default=0)
    cost_cents = peewee.IntegerField(default=0)
    priced_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "call_costs"
        indexes = ((("calldate", "extension"), False),)
