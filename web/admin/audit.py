"""The audit log page: every admin change, filterable."""
import datetime

from flask import render_template, request, url_for

from appliance.services import audit
from web.access import role_required
from web.admin import bp
from web.plugins import is_htmx

PAGE_SIZE = 50


def _date(value):
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%d") if value else None
    except ValueError:
        return None


@bp.route("/audit")
@role_required("admin")
def audit_log():
    """Browse the audit log with filters; keyset pagination on the entry id."""
    filters = {
        "actor_name": request.args.get("actor", "").strip()[:64],
        "action": request.args.get("action", "").strip()[:64],
        "target": request.args.get("target", "").strip()[:120],
    }
    since, until = _date(request.args.get("since", "")), _date(request.args.get("until", ""))
    query = audit.list_entries(
        since=since, until=until + datetime.timedelta(days=1) if until else None, **filters
    )
    before = request.args.get("before", type=int)
    if before:
        query = query.where(audit.AuditEntry.id < before)
    entries = list(query.limit(PAGE_SIZE + 1))
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    context = dict(
        entries=entries,
        more=more,
        next_url=url_for("admin.audit_log", **{**request.args.to_dict(), "before": entries[-1].id}) if more else None,
        actions=audit.list_actions(),
        args=request.args,
    )
    template = "admin/audit/_rows.html" if is_htmx() else "admin/audit/list.html"
    return render_template(template, **context)
