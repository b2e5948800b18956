"""What points at a destination, and moving it elsewhere when its target goes away (inside a service's transaction).

Every feature that stores a destination lists its column in ``HOLDERS``; deleting an
extension or a group then finds (and fixes, or refuses over) everything that sent calls
there, in one place, instead of each feature forgetting a different case.
"""
from dataclasses import dataclass

from appliance.errors import ValidationError
from appliance.i18n import N_
from appliance.models.bots import Bot, BotIntent
from appliance.models.groups import RingGroup
from appliance.models.inbound_routes import InboundRoute
from appliance.models.ivr import Ivr, IvrOption
from appliance.models.queues import Queue
from appliance.models.schedules import Schedule, ScheduleEvent
from appliance.services import audit, engine_sync


@dataclass(frozen=True)
class Holder:
    """A column that stores a destination: its model, field, audit kind, and how a row is named."""

    model: type
    field: str
    audit_kind: str
    #: row -> (msgid, params), e.g. ("Ring group %(label)s", {"label": "600 Vendas"})
    describe: object
    #: row -> what the audit log names it by
    name_of: object


HOLDERS = (
    Holder(RingGroup, "destination", "ring_group",
           lambda row: (N_("Ring group %(label)s"), {"label": f"{row.number} {row.name}"}),
           lambda row: row.number),
    Holder(InboundRoute, "destination", "inbound_route",
           lambda row: (N_("Inbound route %(label)s"), {"label": row.did or "*"}),
           lambda row: row.did or "*"),
    Holder(Ivr, "final_destination", "ivr",
           lambda row: (N_("IVR menu %(label)s"), {"label": row.name}), lambda row: row.name),
    Holder(IvrOption, "destination", "ivr",
           lambda row: (N_("IVR menu %(label)s"), {"label": f"{row.ivr.name} ({row.key})"}),
           lambda row: f"{row.ivr.name} ({row.key})"),
    *(Holder(Schedule, field, "schedule", lambda row: (N_("Business hours %(label)s"), {"label": row.name}),
             lambda row: row.name) for field in ("open_destination", "closed_destination", "holiday_destination")),
    Holder(ScheduleEvent, "destination", "schedule_event",
           lambda row: (N_("Event %(label)s"), {"label": f"{row.schedule.name}: {row.name}"}),
           lambda row: row.name),
    *(Holder(Queue, field, "queue", lambda row: (N_("Queue %(label)s"), {"label": f"{row.number} {row.name}"}),
             lambda row: row.number)
      for field in ("timeout_destination", "full_destination", "empty_destination", "exit_destination")),
    Holder(Bot, "fallback_destination", "bot",
           lambda row: (N_("VoiceBot %(label)s"), {"label": row.name}), lambda row: row.name),
    Holder(BotIntent, "destination", "bot",
           lambda row: (N_("VoiceBot %(label)s"), {"label": f"{row.bot.name} ({row.name})"}),
           lambda row: f"{row.bot.name} ({row.name})"),
)


@dataclass(frozen=True)
class Referrer:
    """A row that sends calls to one of the destinations asked about."""

    holder: Holder
    row: object

    @property
    def destination(self):
        """Return the stored destination text."""
        return getattr(self.row, self.holder.field)

    def label(self):
        """Return ``(msgid, params)`` naming the row for people."""
        return self.holder.describe(self.row)


def pointing_at(wanted):
    """Return the Referrers whose destination is one of ``wanted`` (Destination values)."""
    texts = [str(destination) for destination in wanted]
    found = []
    for holder in HOLDERS:
        column = getattr(holder.model, holder.field)
        found += [Referrer(holder, row) for row in holder.model.select().where(column.in_(texts))]
    return found


def refuse_if_used(wanted, field):
    """Raise ValidationError on ``field``, naming what still sends calls to one of ``wanted``."""
    referrers = pointing_at(wanted)
    if referrers:
        names = ", ".join(_plain(referrer.label()) for referrer in referrers[:5])
        raise ValidationError.one(field, N_("Calls are still sent here by: %(names)s. Change those first."),
                                  names=names)


def reroute(wanted, to, actor):
    """Point every Referrer of ``wanted`` at ``to`` (audited); return them. Call inside the caller's transaction."""
    referrers = pointing_at(wanted)
    for referrer in referrers:
        before = referrer.destination
        setattr(referrer.row, referrer.holder.field, str(to))
        # Only this column: one row can hold several destinations (a schedule's open and closed).
        referrer.row.save(only=[getattr(referrer.holder.model, referrer.holder.field)])
        audit.record(actor, f"{referrer.holder.audit_kind}.update", referrer.holder.audit_kind, referrer.row.id,
                     referrer.holder.name_of(referrer.row), before={referrer.holder.field: before},
                     after={referrer.holder.field: str(to)})
    if referrers:
        engine_sync.request([], files=True)
    return referrers


def _plain(label):
    # Named for an error message that is translated as a whole: the row's own name carries it.
    return label[1].get("label", "")
