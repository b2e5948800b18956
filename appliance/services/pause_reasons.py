"""Pause reasons agents give (Almoço, Treinamento…): a code typed after the pause feature code, a limit,
and whether the pause counts as productive time."""
from dataclasses import dataclass

from appliance.asterisk.confgen.queues import REASON_NAME
from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.queues import PauseReason
from appliance.services import audit, engine_sync
from appliance.services.extensions import in_range

CODE_RANGE = (1, 99)
#: A pause longer than a day is a logout.
MAX_MINUTES_RANGE = (1, 1440)


@dataclass
class PauseReasonInput:
    """What an admin types for a pause reason; ``max_minutes`` None means no limit."""

    code: int
    name: str
    max_minutes: int | None = None
    productive: bool = False


def get_pause_reason(reason_id):
    """Return the pause reason with ``reason_id`` or raise NotFound."""
    reason = PauseReason.get_or_none(PauseReason.id == reason_id)
    if reason is None:
        raise NotFound(N_("Pause reason not found."))
    return reason


def find_by_code(code):
    """Return the pause reason with feature-code ``code``, or None."""
    return PauseReason.get_or_none(PauseReason.code == code)


def list_pause_reasons():
    """Return every pause reason, by code."""
    return PauseReason.select().order_by(PauseReason.code)


def _public(reason):
    return {"code": reason.code, "name": reason.name, "max_minutes": reason.max_minutes,
            "productive": reason.productive}


def save_pause_reason(data, actor, reason_id=None):
    """Create or replace a pause reason; the pause feature code learns its code after commit."""
    with database.atomic():
        reason = get_pause_reason(reason_id) if reason_id is not None else None
        errors = {}
        code = in_range(data.code, "code", CODE_RANGE, errors)
        name = " ".join((data.name or "").split())
        if not REASON_NAME.fullmatch(name):
            errors["name"] = (N_("Use 1 to 40 letters, digits, spaces, dots or dashes."), {})
        max_minutes = None
        if data.max_minutes not in (None, ""):
            max_minutes = in_range(data.max_minutes, "max_minutes", MAX_MINUTES_RANGE, errors)
        others = PauseReason.select()
        if reason is not None:
            others = others.where(PauseReason.id != reason.id)
        if "code" not in errors and others.where(PauseReason.code == code).exists():
            errors["code"] = (N_("Another pause reason has this code."), {})
        if "name" not in errors and others.where(PauseReason.name == name).exists():
            errors["name"] = (N_("Another pause reason has this name."), {})
        if errors:
            raise ValidationError(errors)
        before = _public(reason) if reason else None
        if reason is None:
            reason = PauseReason(code=code)
        reason.code, reason.name, reason.max_minutes, reason.productive = code, name, max_minutes, \
            bool(data.productive)
        reason.save()
        audit.record(actor, "pause_reason.update" if before else "pause_reason.create", "pause_reason", reason.id,
                     name, before=before, after=_public(reason))
        engine_sync.request([], files=True)
    return reason


def delete_pause_reason(reason_id, actor):
    """Delete a pause reason (agents paused with it stay paused; its code stops working)."""
    with database.atomic():
        reason = get_pause_reason(reason_id)
        audit.record(actor, "pause_reason.delete", "pause_reason", reason.id, reason.name, before=_public(reason))
        reason.delete_instance()
        engine_sync.request([], files=True)
