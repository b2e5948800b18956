"""Recording policies of the holders (extension, call profile, queue, outbound and inbound route): their
validation in one place, and the retention a new recording keeps (decision 036).

Which policy wins when several apply to one call: the strictest (confgen/recording.py ``strictest``:
always > on demand > never). How long a recording is kept: the longest retention among the holders
that applied to its call (a holder's 0 means "the global RECORDINGS_KEEP_DAYS"); the global number
when none set one; 0 there means "kept until deleted by hand".
"""
import re

from appliance.asterisk.confgen.recording import CHOOSABLE
from appliance.i18n import N_
from appliance.models.call_history import CallRecord
from appliance.models.extensions import Extension
from appliance.models.inbound_routes import InboundRoute
from appliance.models.ivr import Prompt
from appliance.models.outbound import OutboundRoute
from appliance.models.profiles import CallProfile
from appliance.models.queues import Queue

#: Days a holder may keep its recordings (0: the global setting); ten years is the longest.
KEEP_DAYS_RANGE = (0, 3650)
# The outbound route of a call: its record's dcontext (confgen/outbound.py: cn-route-<id>-dial).
_ROUTE_CONTEXT = re.compile(r"cn-route-([0-9]{1,9})(?:-dial)?")


def clean(policy, keep_days, errors, choices=CHOOSABLE):
    """Return ``(policy, keep_days)`` validated; errors go under ``recording`` and ``recording_keep_days``."""
    if policy not in choices:
        errors["recording"] = (N_("Choose a recording option from the list."), {})
    try:
        days = int(keep_days or 0)
    except (TypeError, ValueError):
        days = -1
    if not KEEP_DAYS_RANGE[0] <= days <= KEEP_DAYS_RANGE[1]:
        errors["recording_keep_days"] = (N_("Enter a number of days from %(low)d to %(high)d."),
                                         {"low": KEEP_DAYS_RANGE[0], "high": KEEP_DAYS_RANGE[1]})
    return policy, max(days, 0)


def clean_prompt(prompt_id, errors):
    """Return the announcement's prompt id (None: none); an unknown one errs under ``recording_prompt_id``."""
    if prompt_id in (None, "", 0, "0"):
        return None
    try:
        prompt_id = int(prompt_id)
    except (TypeError, ValueError):
        prompt_id = 0
    if not Prompt.select().where(Prompt.id == prompt_id).exists():
        errors["recording_prompt_id"] = (N_("Choose a prompt from the list."), {})
        return None
    return prompt_id


def holders_of(prompt_id):
    """Return the names of the holders that announce their recordings with prompt ``prompt_id``."""
    names = [f"{number}" for (number,) in Extension.select(Extension.number)
             .where(Extension.recording_prompt == prompt_id).tuples()]
    for model, column in ((CallProfile, CallProfile.name), (Queue, Queue.number), (OutboundRoute, OutboundRoute.name),
                          (InboundRoute, InboundRoute.name)):
        names += [str(name) or "-" for (name,) in model.select(column).where(model.recording_prompt == prompt_id)
                  .tuples()]
    return names


def retention(linkedid, default_days=0):
    """Return ``(days, kept_for)``: how long the recording of call ``linkedid`` is kept and whose policy says so.

    The holders are read from the call's records: the extensions among their ``src``/``dst`` (and
    their profiles), the queue or inbound route reached (a ``dst`` equal to its number or DID) and the
    outbound route (``dcontext``). The longest non-zero retention wins; none: ``default_days``.
    """
    numbers, routes = set(), set()
    for src, dst, dcontext in (CallRecord.select(CallRecord.src, CallRecord.dst, CallRecord.dcontext)
                               .where(CallRecord.linkedid == linkedid).tuples()):
        numbers.update(value for value in (src, dst) if value)
        found = _ROUTE_CONTEXT.fullmatch(dcontext or "")
        if found:
            routes.add(int(found[1]))
    candidates = []
    if numbers:
        default_profile = CallProfile.select().where(CallProfile.is_default).first()
        for extension in Extension.select().where(Extension.number.in_(sorted(numbers))):
            candidates.append((extension.recording_keep_days, f"extension {extension.number}"))
            profile = extension.profile if extension.profile_id else default_profile
            if profile is not None:
                candidates.append((profile.recording_keep_days, f"profile {profile.name}"))
        candidates += [(queue.recording_keep_days, f"queue {queue.number}")
                       for queue in Queue.select().where(Queue.number.in_(sorted(numbers)))]
        candidates += [(route.recording_keep_days, f"inbound route {route.name}")
                       for route in InboundRoute.select().where(InboundRoute.did.in_(sorted(numbers)))]
    if routes:
        candidates += [(route.recording_keep_days, f"outbound route {route.name}")
                       for route in OutboundRoute.select().where(OutboundRoute.id.in_(sorted(routes)))]
    days, holder = max(((days, holder) for days, holder in candidates if days), default=(0, ""))
    if days:
        return days, holder[:64]
    return int(default_days or 0), "setting" if default_days else ""
