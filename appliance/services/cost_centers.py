"""Cost centers: members, the monthly cost report (from roll-ups), and budget alerts at 80 % and 100 %.

A priced call goes to its extension's center, else the center of the user who owns the extension,
else its trunk's center (0: none), as the membership was when the call was priced. The report reads
``cost_rollups``, kept with the call costs in one transaction (appliance/services/rates.py), so a month
costs a few hundred rows whatever the number of calls (bench/cost_report.py).
"""
import datetime
import logging

from peewee import EXCLUDED, fn

from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_, translations
from appliance.models.cost_centers import MEMBER_KINDS, BudgetAlert, CostCenter, CostCenterMember, CostRollup
from appliance.models.extensions import Extension
from appliance.models.rates import CallCost
from appliance.services import audit, mail

log = logging.getLogger(__name__)
#: Budget shares that send an alert, in percent; each once per center and month.
ALERT_LEVELS = (80, 100)
#: What the report groups by: a column of cost_rollups each.
GROUPINGS = {"center": CostRollup.cost_center_id, "extension": CostRollup.extension,
             "class": CostRollup.destination_class}


def month_key(when):
    """Return the roll-up month ("YYYY-MM") of a naive UTC datetime."""
    return f"{when.year:04d}-{when.month:02d}"


def get_center(center_id):
    """Return cost center ``center_id``; raise NotFound."""
    center = CostCenter.get_or_none(CostCenter.id == center_id)
    if center is None:
        raise NotFound(N_("Cost center not found."))
    return center


def save_center(name, monthly_budget_cents, alert_email, members, actor, center_id=None):
    """Create or replace a cost center with ``members`` (``[(kind, id)]``); a member leaves its former center."""
    errors = {}
    name = (name or "").strip()
    if not name or len(name) > 64:
        errors["name"] = (N_("Use 1 to %(max)d characters."), {"max": 64})
    if not isinstance(monthly_budget_cents, int) or not 0 <= monthly_budget_cents <= 10**12:
        errors["monthly_budget"] = (N_("Enter an amount such as 1500,00."), {})
    if alert_email and not mail.valid_address(alert_email):
        errors["alert_email"] = (N_("Enter an e-mail address."), {})
    if any(kind not in MEMBER_KINDS for kind, _ in members):
        errors["members"] = (N_("Choose members from the lists."), {})
    clash = CostCenter.select().where(fn.LOWER(CostCenter.name) == name.lower(), CostCenter.id != (center_id or 0))
    if name and clash.exists():
        errors["name"] = (N_("Another cost center has this name."), {})
    if errors:
        raise ValidationError(errors)
    with database.atomic():
        center = get_center(center_id) if center_id else CostCenter(name=name)
        before = _public(center) if center_id else None
        center.name, center.monthly_budget_cents, center.alert_email = name, monthly_budget_cents, alert_email
        center.save()
        CostCenterMember.delete().where(CostCenterMember.center == center).execute()
        for kind, ref_id in sorted(set(members)):
            CostCenterMember.delete().where(CostCenterMember.kind == kind, CostCenterMember.ref_id == ref_id).execute()
            CostCenterMember.create(center=center, kind=kind, ref_id=int(ref_id))
        audit.record(actor, "cost_center.update" if before else "cost_center.create", "cost_center", center.id,
                     center.name, before=before, after=_public(center))
    return center


def delete_center(center_id, actor):
    """Delete a cost center; calls priced already keep it in the report (roll-ups), new ones go elsewhere."""
    with database.atomic():
        center = get_center(center_id)
        audit.record(actor, "cost_center.delete", "cost_center", center.id, center.name, before=_public(center))
        center.delete_instance(recursive=True)


def list_centers():
    """Return every cost center by name."""
    return CostCenter.select().order_by(CostCenter.name)


def members_of(center):
    """Return ``[(kind, id)]`` of a cost center's members."""
    return [(m.kind, m.ref_id) for m in CostCenterMember.select().where(CostCenterMember.center == center.id)
            .order_by(CostCenterMember.kind, CostCenterMember.ref_id)]


def _public(center):
    return {"name": center.name, "monthly_budget_cents": center.monthly_budget_cents,
            "alert_email": center.alert_email,
            "members": sorted(f"{m.kind}:{m.ref_id}" for m in CostCenterMember.select().where(
                CostCenterMember.center == center.id))}


def attribution():
    """Return ({extension number: center id}, {trunk id: center id}) from today's memberships."""
    members = {(m.kind, m.ref_id): m.center_id for m in CostCenterMember.select()}
    by_extension = {}
    for extension_id, number, user_id in Extension.select(Extension.id, Extension.number, Extension.user).tuples():
        center = members.get(("extension", extension_id)) or (members.get(("user", user_id)) if user_id else None)
        if center:
            by_extension[number] = center
    by_trunk = {ref: center for (kind, ref), center in members.items() if kind == "trunk"}
    return by_extension, by_trunk


def add_to_rollups(costs):
    """Add new call costs (CallCost values) to the monthly roll-ups; call in their transaction."""
    sums = {}
    for cost in costs:
        key = (month_key(cost["calldate"]), cost["cost_center_id"], cost["extension"], cost["destination_class"])
        calls, seconds, cents = sums.get(key, (0, 0, 0))
        sums[key] = (calls + 1, seconds + cost["billed_seconds"], cents + cost["cost_cents"])
    rows = [{"month": m, "cost_center_id": c, "extension": e, "destination_class": d, "calls": n,
             "billed_seconds": s, "cost_cents": cents} for (m, c, e, d), (n, s, cents) in sums.items()]
    for start in range(0, len(rows), 200):
        CostRollup.insert_many(rows[start:start + 200]).on_conflict(
            conflict_target=[CostRollup.month, CostRollup.cost_center_id, CostRollup.extension,
                             CostRollup.destination_class],
            update={CostRollup.calls: CostRollup.calls + EXCLUDED.calls,
                    CostRollup.billed_seconds: CostRollup.billed_seconds + EXCLUDED.billed_seconds,
                    CostRollup.cost_cents: CostRollup.cost_cents + EXCLUDED.cost_cents}).execute()


def rebuild_rollups(since, until):
    """Recompute the roll-ups of every month touching [since, until) from the call costs (after re-pricing)."""
    first = datetime.datetime(since.year, since.month, 1)
    month = first
    while month < until:
        following = datetime.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1)
        CostRollup.delete().where(CostRollup.month == month_key(month)).execute()
        query = (CallCost.select(CallCost.cost_center_id, CallCost.extension, CallCost.destination_class,
                                 fn.COUNT(CallCost.id), fn.SUM(CallCost.billed_seconds), fn.SUM(CallCost.cost_cents))
                 .where((CallCost.calldate >= month) & (CallCost.calldate < following))
                 .group_by(CallCost.cost_center_id, CallCost.extension, CallCost.destination_class).tuples())
        rows = [{"month": month_key(month), "cost_center_id": c, "extension": e, "destination_class": d,
                 "calls": n, "billed_seconds": s or 0, "cost_cents": cents or 0} for c, e, d, n, s, cents in query]
        for start in range(0, len(rows), 200):
            CostRollup.insert_many(rows[start:start + 200]).execute()
        month = following


def report(month, group="center", center_id=None):
    """Return [(key, calls, billed seconds, cents)] of ``month`` ("YYYY-MM") grouped by ``group``, costliest first.

    ``group``: "center" (key: center id, 0 for none), "extension" or "class"; ``center_id`` narrows to one center.
    """
    query = report_query(month, group, center_id)
    return [(key, int(calls), int(seconds), int(cents)) for key, calls, seconds, cents in query.tuples()]


def report_query(month, group="center", center_id=None):
    """Return the SELECT behind ``report`` (the bench prints its query plan)."""
    column = GROUPINGS[group]
    query = (CostRollup.select(column, fn.SUM(CostRollup.calls), fn.SUM(CostRollup.billed_seconds),
                               fn.SUM(CostRollup.cost_cents))
             .where(CostRollup.month == month).group_by(column).order_by(fn.SUM(CostRollup.cost_cents).desc()))
    if center_id is not None:
        query = query.where(CostRollup.cost_center_id == center_id)
    return query


def spent_cents(center_id, month):
    """Return what ``center_id`` spent in ``month``, in cents."""
    return int(CostRollup.select(fn.COALESCE(fn.SUM(CostRollup.cost_cents), 0)).where(
        CostRollup.month == month, CostRollup.cost_center_id == center_id).scalar())


def check_budgets(now=None, language="pt_BR"):
    """Send each center's 80 % and 100 % alerts of this month, once each; return how many were sent."""
    now = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    month, sent = month_key(now), 0
    for center in CostCenter.select().where(CostCenter.monthly_budget_cents > 0):
        spent = spent_cents(center.id, month)
        for level in ALERT_LEVELS:
            if spent * 100 < center.monthly_budget_cents * level:
                continue
            # Recorded before it is sent (the job never runs twice at once): a failed send removes it again.
            with database.atomic():
                if BudgetAlert.select().where(BudgetAlert.center == center, BudgetAlert.month == month,
                                              BudgetAlert.level == level).exists():
                    continue
                BudgetAlert.create(center=center, month=month, level=level, sent_at=now)
            if not center.alert_email:
                continue
            try:
                mail.send(_alert_message(center, month, level, spent, language))
            except mail.MailError:
                log.warning("budget alert for cost center %s could not be sent: retried later", center.id)
                BudgetAlert.delete().where(BudgetAlert.center == center, BudgetAlert.month == month,
                                           BudgetAlert.level == level).execute()
                continue
            sent += 1
    return sent


ALERT_SUBJECT = N_("Cost center %(name)s reached %(level)d%% of its budget")
ALERT_BODY = N_("Outside calls of %(name)s cost %(spent)s in %(month)s, %(level)d%% of its monthly budget of "
                "%(budget)s.")


def _alert_message(center, month, level, spent, language):
    gettext = translations(language).gettext
    values = {"name": center.name, "spent": _money(spent), "month": month, "level": level,
              "budget": _money(center.monthly_budget_cents)}
    return mail.new_message(center.alert_email, gettext(ALERT_SUBJECT) % values, gettext(ALERT_BODY) % values)


def _money(cents):
    return f"{cents // 100},{cents % 100:02d}"
