"""The audit log: every admin change, who made it, when, and the values before and after."""
import json

from appliance.models.users import AuditEntry  # noqa: F401 (re-exported for views)


def record(actor, action, target_type, target_id="", target_name="", before=None, after=None):
    """Write one audit entry; call inside the transaction of the change it describes."""
    return AuditEntry.create(
        actor=actor.user_id,
        actor_name=actor.username,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        target_name=target_name,
        before=json.dumps(before or {}, sort_keys=True, default=str),
        after=json.dumps(after or {}, sort_keys=True, default=str),
        address=actor.address,
    )


def list_entries(actor_name="", action="", target="", since=None, until=None):
    """Return audit entries matching the filters, newest first."""
    query = AuditEntry.select().order_by(AuditEntry.id.desc())
    if actor_name:
        query = query.where(AuditEntry.actor_name == actor_name)
    if action:
        query = query.where(AuditEntry.action == action)
    if target:
        query = query.where(AuditEntry.target_name.contains(target) | (AuditEntry.target_id == target))
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    return query


def list_actions():
    """Return the distinct action names recorded, for the filter menu."""
    return [row.action for row in AuditEntry.select(AuditEntry.action).distinct().order_by(AuditEntry.action)]
