"""Call costs (admins): cost centers, a trunk's rates and the monthly cost report; the pages' services."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields, pre_dump

from appliance.models.cost_centers import MEMBER_KINDS, CostCenter
from appliance.services import cost_centers, rates
from web.api.auth import actor, requires
from web.api.common import ID, JsonInteger, json_response, length, one_of, pattern, value_range
from web.api.crud import Resource, register

blp = Blueprint("costs", __name__, url_prefix="/api/v1/costs",
                description="Call costs: cost centers, rates per trunk and the monthly report.")
MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class CostCenterMemberSchema(Schema):
    """An extension, user or trunk by id."""

    kind = fields.String(required=True, validate=one_of(MEMBER_KINDS))
    id = JsonInteger(required=True, validate=value_range(min=1, max=2**31 - 1))


class CostCenterSchema(Schema):
    """A department or project that outside calls are charged to."""

    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=length(min=1, max=64))
    monthly_budget_cents = JsonInteger(load_default=0, validate=value_range(min=0, max=10**12),
                                          metadata={"description": "Monthly budget in cents (0: none)"})
    alert_email = fields.String(load_default="", validate=length(max=254),
                                metadata={"description": "Who is told at 80 % and 100 % of the budget"})
    members = fields.List(fields.Nested(CostCenterMemberSchema), load_default=list,
                          metadata={"description": "Its extensions, users and trunks"})

    @pre_dump
    def _with_members(self, center, **_):
        if isinstance(center, dict):
            return center
        return {"id": center.id, "name": center.name, "monthly_budget_cents": center.monthly_budget_cents,
                "alert_email": center.alert_email,
                "members": [{"kind": kind, "id": ref} for kind, ref in cost_centers.members_of(center)]}


def _save(data, actor, center_id=None):
    return cost_centers.save_center(data["name"], data["monthly_budget_cents"], data["alert_email"],
                                    [(item["kind"], item["id"]) for item in data["members"]], actor, center_id)


register(blp, Resource(
    "CostCenter", "/centers", "center_id", CostCenterSchema, ("costs:read", "costs:write"),
    lambda: cost_centers.list_centers().order_by(), CostCenter.id, cost_centers.get_center, _save,
    cost_centers.delete_center, noun="cost center",
    docs={"post": "Create a cost center; a member leaves its former center.",
          "delete": "Delete a cost center; calls priced already keep it in the report."}))


class ReportArgs(Schema):
    """Which month and grouping."""

    month = fields.String(required=True, validate=pattern(MONTH), metadata={"description": "YYYY-MM (UTC)"})
    group = fields.String(load_default="center", validate=one_of(tuple(cost_centers.GROUPINGS)))


class ReportRowSchema(Schema):
    """One line of the report."""

    key = fields.String(required=True, metadata={"description": "Cost center id (0: none), extension or class"})
    calls = fields.Integer(required=True)
    billed_seconds = fields.Integer(required=True)
    cost_cents = fields.Integer(required=True)


class CostReportSchema(Schema):
    """A month's costs, costliest first."""

    items = fields.List(fields.Nested(ReportRowSchema), required=True)


@blp.route("/report")
@requires(blp, "costs:read")
@blp.arguments(ReportArgs, location="query")
@blp.response(200, CostReportSchema)
def cost_report(args):
    """The month's outside call costs per cost center, extension or destination class (from the roll-ups)."""
    rows = cost_centers.report(args["month"], args["group"])
    return json_response({"items": [{"key": str(key), "calls": calls, "billed_seconds": seconds,
                                     "cost_cents": cents} for key, calls, seconds, cents in rows]})


class RateSchema(Schema):
    """What a trunk's carrier charges for numbers starting with a prefix (money as decimal text, 4 places)."""

    prefix = fields.String(required=True, validate=[length(min=2, max=20), pattern(r"^\+?[0-9]+$")])
    description = fields.String(load_default="", validate=length(max=64))
    price_per_minute = fields.String(required=True, validate=pattern(r"^[0-9]{1,5}([.,][0-9]{1,4})?$"))
    connection_fee = fields.String(load_default="0", validate=pattern(r"^[0-9]{1,5}([.,][0-9]{1,4})?$"))
    minimum_seconds = JsonInteger(load_default=30, validate=value_range(min=0, max=3600))
    increment_seconds = JsonInteger(load_default=6, validate=value_range(min=1, max=3600))


class RateListSchema(Schema):
    """A trunk's whole rate table."""

    items = fields.List(fields.Nested(RateSchema), required=True)


def _rates(trunk_id):
    return {"items": [{"prefix": r.prefix, "description": r.description,
                       "price_per_minute": rates.format_money(r.price_per_minute),
                       "connection_fee": rates.format_money(r.connection_fee), "minimum_seconds": r.minimum_seconds,
                       "increment_seconds": r.increment_seconds} for r in rates.list_rates(trunk_id)]}


@blp.route(f"/trunks/<{ID}:trunk_id>/rates")
@requires(blp, "costs:read")
@blp.response(200, RateListSchema)
@blp.alt_response(404, response="NOT_FOUND")
def trunk_rates(trunk_id):
    """A trunk's rates by prefix."""
    rates.get_trunk(trunk_id)
    return json_response(_rates(trunk_id))


@blp.route(f"/trunks/<{ID}:trunk_id>/rates", methods=["PUT"])
@requires(blp, "costs:write")
@blp.arguments(RateListSchema)
@blp.response(200, RateListSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def replace_trunk_rates(data, trunk_id):
    """Replace a trunk's whole rate table (all rows or none); calls priced already keep their price."""
    rates.replace_rates(trunk_id, [rates.RateInput(
        item["prefix"], item["price_per_minute"], item["description"], item["connection_fee"],
        str(item["minimum_seconds"]), str(item["increment_seconds"])) for item in data["items"]], actor())
    return json_response(_rates(trunk_id))
