"""Admin pages for call costs: rates per trunk (CSV in and out), cost centers, the monthly report and re-pricing."""
import datetime
import io
from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l

from appliance import csvsafe
from appliance.errors import ImportRejected, NotFound, ValidationError
from appliance.models.cost_centers import CostCenter, CostCenterMember
from appliance.models.extensions import Extension
from appliance.models.trunks import Trunk
from appliance.services import cost_centers, rates
from web.access import current_actor, role_required
from web.plugins import translate_error
from web.telephony import bp

GROUP_LABELS = {"center": _l("Cost center"), "extension": _l("Extension"), "class": _l("Destination class")}
CLASS_LABELS = {"local": _l("Local"), "national": _l("National"), "mobile": _l("Mobile"),
                "international": _l("International"), "premium": _l("Premium rate"), "collect": _l("Collect"),
                "": _l("Unknown")}


def _month():
    """Return the month asked for ("YYYY-MM"), this month (UTC) when none or not one."""
    value = request.values.get("month", "")
    try:
        datetime.datetime.strptime(value, "%Y-%m")
    except ValueError:
        return cost_centers.month_key(datetime.datetime.now(datetime.UTC))
    return value


def _labelled(rows, group):
    names = {c.id: c.name for c in CostCenter.select(CostCenter.id, CostCenter.name)}
    def label(key):
        if group == "center":
            return names.get(key, gettext("No cost center"))
        return str(CLASS_LABELS.get(key, key)) if group == "class" else key
    return [(label(key), calls, seconds, cents) for key, calls, seconds, cents in rows]


@bp.app_template_filter("cents")
def money(cents):
    """Return integer cents as the user reads money (1.234,56 or 1,234.56 by locale)."""
    return format_decimal(Decimal(int(cents)) / 100, format="#,##0.00")


@bp.route("/costs")
@role_required("admin")
def costs_report():
    """Show one month's call costs per cost center, extension or destination class, with a chart."""
    month = _month()
    group = request.args.get("group", "center")
    group = group if group in cost_centers.GROUPINGS else "center"
    rows = _labelled(cost_centers.report(month, group), group)
    centers = [(center, cost_centers.spent_cents(center.id, month)) for center in
               CostCenter.select().order_by(CostCenter.name)]
    chart = {"labels": [row[0] for row in rows[:20]], "values": [row[3] / 100 for row in rows[:20]],
             "label": gettext("Cost")}
    return render_template("telephony/costs/report.html", month=month, group=group, rows=rows, centers=centers,
                           group_labels=GROUP_LABELS, chart=chart,
                           trunks=Trunk.select(Trunk.id, Trunk.name).order_by(Trunk.name))


@bp.route("/costs.csv")
@role_required("admin")
def costs_report_csv():
    """Download one month's report as CSV (UTF-8 with BOM)."""
    month = _month()
    group = request.args.get("group", "center")
    group = group if group in cost_centers.GROUPINGS else "center"
    out = io.StringIO()
    out.write("\ufeff")
    writer = csvsafe.writer(out)
    writer.writerow([str(GROUP_LABELS[group]), gettext("Calls"), gettext("Billed seconds"), gettext("Cost")])
    for label, calls, seconds, cents in _labelled(cost_centers.report(month, group), group):
        writer.writerow([label, calls, seconds, f"{cents / 100:.2f}"])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="costs-{month}-{group}.csv"'})


@bp.route("/costs/reprice", methods=["POST"])
@role_required("admin")
def costs_reprice():
    """Price one month's outside calls again with today's rates."""
    month = _month()
    start = datetime.datetime.strptime(month, "%Y-%m")
    end = datetime.datetime(start.year + (start.month == 12), start.month % 12 + 1, 1)
    count = rates.reprice(start, end, current_actor())
    flash(gettext("%(count)d call(s) priced again.", count=count), "success")
    return redirect(url_for("telephony.costs_report", month=month))


def _parse_center_form(form):
    errors, members = {}, []
    budget = rates.parse_money(form.get("monthly_budget", "") or "0")
    numbers = [n.strip() for n in form.get("extensions", "").replace(";", ",").split(",") if n.strip()]
    found = {e.number: e.id for e in Extension.select(Extension.id, Extension.number).where(
        Extension.number.in_(numbers))} if numbers else {}
    missing = [n for n in numbers if n not in found]
    if missing:
        errors["extensions"] = gettext("No such extension: %(numbers)s", numbers=", ".join(missing))
    members += [("extension", found[n]) for n in numbers if n in found]
    for value in form.getlist("trunks"):
        if value.isdigit():
            members.append(("trunk", int(value)))
    return (budget // 100 if budget is not None else -1), members, errors


@bp.route("/cost-centers/new", methods=["GET", "POST"])
@bp.route("/cost-centers/<int:center_id>", methods=["GET", "POST"])
@role_required("admin")
def cost_center_edit(center_id=None):
    """Create or edit a cost center: name, monthly budget, who gets its alerts, its extensions and trunks."""
    try:
        center = cost_centers.get_center(center_id) if center_id else None
    except NotFound:
        abort(404)
    errors, status = {}, 200
    values = request.form if request.method == "POST" else _center_values(center)
    if request.method == "POST":
        budget, members, errors = _parse_center_form(request.form)
        if not errors:
            try:
                saved = cost_centers.save_center(request.form.get("name", ""), budget,
                                                 request.form.get("alert_email", "").strip(), members,
                                                 current_actor(), center_id)
            except ValidationError as error:
                errors = {field: translate_error(ValidationError({field: reason}))
                          for field, reason in error.fields.items()}
            else:
                flash(gettext("Cost center %(name)s saved.", name=saved.name), "success")
                return redirect(url_for("telephony.costs_report"))
        status = 422
    trunks = Trunk.select(Trunk.id, Trunk.name).order_by(Trunk.name)
    chosen = {int(t) for t in values.getlist("trunks")} if hasattr(values, "getlist") else values.get("trunks", set())
    return render_template("telephony/costs/center.html", center=center, values=values, errors=errors,
                           trunks=trunks, chosen=chosen), status


def _center_values(center):
    if center is None:
        return {"trunks": set()}
    members = list(CostCenterMember.select().where(CostCenterMember.center == center))
    numbers = {e.id: e.number for e in Extension.select(Extension.id, Extension.number)}
    return {"name": center.name, "monthly_budget": f"{center.monthly_budget_cents / 100:.2f}",
            "alert_email": center.alert_email,
            "extensions": ", ".join(sorted(numbers[m.ref_id] for m in members
                                           if m.kind == "extension" and m.ref_id in numbers)),
            "trunks": {m.ref_id for m in members if m.kind == "trunk"}}


@bp.route("/trunks/<int:trunk_id>/rates", methods=["GET", "POST"])
@role_required("admin")
def trunk_rates(trunk_id):
    """Show a trunk's rates; a CSV upload replaces them all, or none with each wrong row explained."""
    trunk = Trunk.get_or_none(Trunk.id == trunk_id)
    if trunk is None:
        abort(404)
    import_error, status = None, 200
    if request.method == "POST":
        upload = request.files.get("file")
        try:
            count = rates.import_csv(trunk.id, upload.read() if upload else b"", current_actor())
        except ImportRejected as error:
            import_error, status = error, 422
        else:
            flash(gettext("%(count)d rate(s) imported.", count=count), "success")
            return redirect(url_for("telephony.trunk_rates", trunk_id=trunk.id))
    return render_template("telephony/costs/rates.html", trunk=trunk, rates=rates.list_rates(trunk.id),
                           import_error=import_error, format_money=rates.format_money,
                           columns=rates.CSV_COLUMNS), status


@bp.route("/trunks/<int:trunk_id>/rates.csv")
@role_required("admin")
def trunk_rates_csv(trunk_id):
    """Download a trunk's rates as CSV (the import's format)."""
    return Response(rates.export_csv(trunk_id), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="rates-trunk-{int(trunk_id)}.csv"'})

