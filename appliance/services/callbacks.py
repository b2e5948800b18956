"""Callbacks: durable requests to call a customer back, attempted by the daemon and retried on busy / no answer.

A request is a row (``pending``) from the web form, the API, the offer-callback destination or a
queue's exit key. The daemon's job (``run_due``, every second) starts the attempts that are due —
inside business hours when the row names a schedule — by asking the engine adapter to ring the
agent first and then dial the customer. How it went comes back on the daemon's AMI connection:
``OriginateResponse`` for the agent's leg, the dialplan's ``CentralinaCallback`` event for the
customer's. Every state is in the row, so a daemon restart between scheduling and the due time
loses nothing; an attempt whose outcome was lost with a restart is retried (``recover``).
"""
import datetime
import logging
import re
import threading
from dataclasses import dataclass

from appliance import business_hours, destinations, events, phone_numbers
from appliance.asterisk import control
from appliance.asterisk.ami import AmiError
from appliance.asterisk.names import queue_name
from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.callbacks import Callback
from appliance.models.extensions import Extension
from appliance.models.queues import Queue
from appliance.models.schedules import Schedule
from appliance.models.users import utcnow
from appliance.services import audit, engine_rows, schedules

log = logging.getLogger(__name__)
#: Seconds an extension's phones ring for one attempt; a queue callback waits for an agent up to QUEUE_WAIT_SECONDS.
ANSWER_SECONDS = 30
QUEUE_WAIT_SECONDS = 3600
#: Seconds a DISA callback rings the authorised phone.
DISA_ANSWER_SECONDS = 40
#: Attempts started per run of the job: a burst of due rows is spread over seconds, not one AMI storm.
PER_RUN = 5
#: When the engine does not answer, an attempt is tried again after this many seconds (not counted).
ENGINE_DOWN_SECONDS = 30
#: An agent-answered attempt whose end was never reported (the daemon was away) counts as lost after this.
CONNECTED_LOST_SECONDS = 4 * 3600
ATTEMPTS_RANGE = (1, 10)
RETRY_RANGE = (5, 86400)
#: Numbers a caller may not type in the offer: international (00…) and premium-rate (0300, 0500, 0900).
OFFER_REFUSED_PREFIXES = ("00", "0300", "0500", "0900")
#: What the agent's phone shows as the caller's name: letters, digits, spaces and . - / only (no quotes).
REASON = re.compile(r"[\w .\-/]{0,40}")
#: Dial's DIALSTATUS of the customer's leg in the app's words.
DIAL_RESULTS = {"ANSWER": "answered", "BUSY": "busy", "NOANSWER": "no_answer", "CONGESTION": "unreachable",
                "CHANUNAVAIL": "unreachable", "CANCEL": "agent_hung_up", "": "agent_hung_up"}
#: OriginateResponse's Reason for the agent's leg (Asterisk's AST_CONTROL_* numbers) in the app's words.
AGENT_RESULTS = {"5": "agent_busy", "3": "agent_no_answer", "1": "agent_hung_up", "8": "agent_unreachable"}
#: Every result, for people.
RESULTS = {
    "answered": N_("Answered"), "busy": N_("The customer was busy"),
    "no_answer": N_("The customer did not answer"), "unreachable": N_("The customer's number could not be reached"),
    "agent_hung_up": N_("The agent hung up first"), "agent_busy": N_("The agent was busy"),
    "agent_no_answer": N_("The agent did not answer"), "agent_unreachable": N_("The agent could not be reached"),
    "agent_failed": N_("The agent's phone could not be called"), "agent_answered": N_("Agent answered, dialling"),
    "lost": N_("The attempt's outcome was lost"), "engine_down": N_("The phone system was not running"),
    "cancelled": N_("Cancelled"), "failed": N_("Failed"),
    "pin_ok": N_("PIN accepted: dial tone given"), "wrong_pin": N_("Three wrong PINs"),
    "over_limit": N_("Over the number's callbacks for today"),
}
STATUS_LABELS = {"pending": N_("Pending"), "calling": N_("Calling"), "done": N_("Done"), "failed": N_("Failed")}
#: One attempt starts or concludes at a time: an OriginateResponse may arrive before its ActionID is saved.
_lock = threading.Lock()


@dataclass
class CallbackInput:
    """What a person (or the API) asks for: whom to call, who calls, why, when, how often."""

    number: str
    agent: str
    reason: str = ""
    #: Aware datetime of the first attempt; None: at once.
    due_at: datetime.datetime | None = None
    #: Only inside this schedule's open hours (None: any time).
    schedule_id: int | None = None
    max_attempts: int = 3
    retry_seconds: int = 300


def get_callback(callback_id):
    """Return callback ``callback_id`` or raise NotFound."""
    row = Callback.get_or_none(Callback.id == callback_id)
    if row is None:
        raise NotFound(N_("No such callback."))
    return row


def list_callbacks(status=""):
    """Return callbacks (of ``status`` when given), newest first."""
    query = Callback.select().order_by(Callback.id.desc())
    return query.where(Callback.status == status) if status else query


def agent_of(number):
    """Return the destination text of who calls back at internal ``number`` ("extension:201", "queue:700"), or ""."""
    if Extension.select().where(Extension.number == number).exists():
        return f"extension:{number}"
    if Queue.select().where(Queue.number == number).exists():
        return f"queue:{number}"
    return ""


def _validate(data, errors):
    try:
        number = phone_numbers.dialable(data.number)
        if not re.fullmatch(r"\+?[0-9]{3,32}", number):
            raise ValidationError.one("number", N_("A callback dials digits only, optionally after a +."))
    except ValidationError as error:
        errors.update(error.fields)
        number = ""
    agent = agent_of((data.agent or "").strip())
    if not agent:
        errors["agent"] = (N_("Pick an extension or a queue that exists."), {})
    reason = " ".join((data.reason or "").split())
    if not REASON.fullmatch(reason):
        errors["reason"] = (N_("At most 40 letters, digits, spaces, dots, dashes or slashes."), {})
    if data.schedule_id is not None and not Schedule.select().where(Schedule.id == data.schedule_id).exists():
        errors["schedule_id"] = (N_("No such business hours."), {})
    for name, (low, high) in (("max_attempts", ATTEMPTS_RANGE), ("retry_seconds", RETRY_RANGE)):
        value = getattr(data, name)
        if not isinstance(value, int) or not low <= value <= high:
            errors[name] = (N_("Between %(low)d and %(high)d."), {"low": low, "high": high})
    due = None
    if data.due_at is not None:
        if data.due_at.tzinfo is None:
            errors["due_at"] = (N_("Give the time with its time zone."), {})
        else:
            due = data.due_at.astimezone(datetime.UTC).replace(tzinfo=None)
    return number, agent, reason, due


def request(data, actor, source="web", position=0):
    """Store a callback request (CallbackInput) due at its time; return the row. Raise ValidationError on bad input."""
    errors = {}
    number, agent, reason, due = _validate(data, errors)
    if errors:
        raise ValidationError(errors)
    with database.atomic():
        row = Callback.create(number=number, agent=agent, reason=reason, source=source, due_at=due or utcnow(),
                              schedule_id=data.schedule_id, max_attempts=data.max_attempts,
                              retry_seconds=data.retry_seconds, position=max(0, int(position)),
                              created_by=actor.username)
        audit.record(actor, "callback.request", "callback", row.id, number, after=_public(row))
    publish(row)
    log.info("callback %s requested by %s: %s for %s (%s)", row.id, actor.username, number, agent, source)
    return row


def request_from_engine(number, agent_number, position="", unique_id=""):
    """Store what a caller accepted in the offer-callback dialplan (the daemon, from REQUEST_EVENT); return the row.

    ``position``: the caller's place when they left a queue with its exit key; the callback then
    waits in that queue at that place. Bad values (which only a broken dialplan sends) are logged.
    """
    from appliance.services import Actor  # the package imports its services: import here, not at load
    digits = re.sub(r"[^0-9]", "", number or "")
    # A caller types any number here: never one abroad or premium-rate (toll fraud, notes/routing-br.md §4),
    # and one open request per number and agent (repeated calls do not pile up attempts).
    if digits.startswith(OFFER_REFUSED_PREFIXES):
        log.warning("callback offer refused: %s is international or premium-rate", digits[:32])
        return None
    agent = agent_of(agent_number)
    if Callback.select().where((Callback.number == digits) & (Callback.agent == agent)
                               & Callback.status.in_(("pending", "calling"))).exists():
        log.info("callback offer for %s to %s: one is open already", digits, agent)
        return None
    try:
        spot = int(position) if position and str(position).isdigit() else 0
        source = "queue" if spot and agent_of(agent_number).startswith("queue:") else "ivr"
        row = request(CallbackInput(number, agent_number, retry_seconds=120), Actor.system("callback-offer"),
                      source=source, position=spot if source == "queue" else 0)
    except ValidationError as error:
        log.warning("callback offer for %r to %r refused: %s", number, agent_number, error.fields)
        return None
    if source == "queue" and unique_id:
        _mark_in_queue_log(agent_number, unique_id, row.id)
    return row


def _mark_in_queue_log(queue_number, unique_id, callback_id):
    """Tell queue reports the caller who left with the exit key is a callback, not an abandon."""
    queue = Queue.get_or_none(Queue.number == queue_number)
    engine = control.current()
    if queue is None or engine is None or not re.fullmatch(r"[0-9.]{1,40}", unique_id):
        return
    try:
        engine.mark_queue_callback(queue_name(queue.id), unique_id, callback_id)
    except AmiError as error:
        log.warning("callback %s: queue_log mark not written: %s", callback_id, error)


def cancel(callback_id, actor):
    """Give up a pending callback (a calling one ends by itself); return the row."""
    with database.atomic():
        row = get_callback(callback_id)
        if row.status != "pending":
            raise ValidationError.one("status", N_("Only a pending callback can be cancelled."))
        _finish(row, "failed", "cancelled")
        audit.record(actor, "callback.cancel", "callback", row.id, row.number)
    publish(row)
    return row


def _public(row):
    return {"number": row.number, "agent": row.agent, "reason": row.reason, "due_at": row.due_at,
            "schedule_id": row.schedule_id, "max_attempts": row.max_attempts, "retry_seconds": row.retry_seconds}


def publish(row):
    """Tell live pages and webhooks that callback ``row`` changed (event "callback.updated")."""
    events.publish("callback.updated", {"id": row.id, "status": row.status, "attempts": row.attempts,
                                        "last_result": row.last_result})


def _finish(row, status, result):
    row.status, row.last_result, row.updated_at = status, result, utcnow()
    if status == "failed":
        row.failure = result
    row.save()


def _next_open(schedule_id, now):
    """Return the naive UTC instant ``schedule_id`` is open from (``now`` if open now), or None if never soon."""
    schedule = Schedule.get_or_none(Schedule.id == schedule_id)
    if schedule is None:
        return now
    aware = now.replace(tzinfo=datetime.UTC)
    plan = schedules.plan_of(schedule, aware)
    moment = aware
    for _ in range(200):  # every change of a year's plan at most
        if business_hours.state_at(plan, moment).state == "open":
            return moment.astimezone(datetime.UTC).replace(tzinfo=None)
        change = business_hours.next_change(plan, moment)
        if change is None:
            return None
        moment = change[0]
    return None


def conclude(row, status, result):
    """End ``row`` as "done" or "failed" with ``result`` (the DISA PIN check); publish it."""
    with _lock:
        _finish(row, status, result)
    publish(row)


def _retry_or_fail(row, result, now):
    if row.attempts >= row.max_attempts:
        _finish(row, "failed", result)
        log.info("callback %s failed after %d attempts: %s", row.id, row.attempts, result)
    else:
        row.status, row.last_result, row.action_id = "pending", result, ""
        row.due_at = now + datetime.timedelta(seconds=row.retry_seconds)
        row.position = 0  # a retry waits at the end of the queue like anyone else
        row.updated_at = now
        row.save()
        log.info("callback %s: %s, next attempt at %s", row.id, result, row.due_at)
    publish(row)


def _attempt_plan(row):
    """Return (agent kind, agent number, caller ID the agent sees, dial variables, seconds to wait for the agent)."""
    kind, _, agent_number = row.agent.partition(":")
    extension = Extension.get_or_none(Extension.number == agent_number) if kind == "extension" else None
    context = engine_rows.context_of(extension) if extension else engine_rows._context(None)
    tag = re.sub(r"[^0-9+]", "", extension.external_callerid) if extension else ""
    variables = {"CB_ID": row.id, "CB_CONTEXT": context, "CB_EXT": agent_number if extension else "",
                 "CB_TAG": tag, "CB_POS": row.position or ""}
    # REASON allows no quotes or angle brackets: the name cannot close the quoted string.
    caller_id = f'"{row.reason or "Callback"}" <{row.number}>'
    wait = ANSWER_SECONDS if kind == "extension" else QUEUE_WAIT_SECONDS
    return kind, agent_number, caller_id, variables, wait


def run_due(now=None):
    """Start the attempts that are due (the daemon, every second); return how many started."""
    now = now or utcnow()
    started = 0
    with _lock:
        rows = list(Callback.select().where((Callback.status == "pending") & (Callback.due_at <= now))
                    .order_by(Callback.position.desc(), Callback.due_at, Callback.id).limit(PER_RUN))
        for row in rows:
            if row.schedule_id is not None:
                opens = _next_open(row.schedule_id, now)
                if opens is None or opens > now:
                    row.due_at = opens or now + datetime.timedelta(days=1)
                    row.save(only=[Callback.due_at])
                    continue
            started += _start(row, now)
    return started


def _start(row, now):
    engine = control.current()
    if engine is None:
        return 0
    kind, agent_number, caller_id, variables, wait = _attempt_plan(row)
    if row.source == "disa":  # the authorised number first, as its extension; then a PIN
        kind, wait = "disa", DISA_ANSWER_SECONDS
    if not destinations.find(row.agent) or not destinations.find(row.agent).exists():
        _finish(row, "failed", "agent_unreachable")
        publish(row)
        return 0
    row.status, row.attempts, row.last_result = "calling", row.attempts + 1, ""
    row.started_at = row.updated_at = now
    row.save()
    try:
        row.action_id = engine.call_back(kind, agent_number, row.number, caller_id, variables, wait)
    except AmiError as error:
        log.warning("callback %s: the engine did not take the call: %s", row.id, error)
        row.status, row.attempts, row.last_result = "pending", row.attempts - 1, "engine_down"
        row.due_at = now + datetime.timedelta(seconds=ENGINE_DOWN_SECONDS)
        row.save()
        return 0
    row.save(only=[Callback.action_id])
    log.info("callback %s: attempt %d of %d, %s -> %s", row.id, row.attempts, row.max_attempts, row.agent,
             row.number)
    publish(row)
    return 1


def on_originate_response(action_id, response, reason):
    """Take the agent leg's outcome (OriginateResponse): answered, or a reason to retry."""
    if not action_id:
        return
    with _lock:
        row = Callback.get_or_none((Callback.action_id == action_id) & (Callback.status == "calling"))
        if row is None:
            return
        if response == "Success":
            row.last_result, row.updated_at = "agent_answered", utcnow()
            row.save()
            publish(row)
        else:
            _retry_or_fail(row, AGENT_RESULTS.get(reason, "agent_failed"), utcnow())


def on_result(callback_id, dial_status):
    """Take the customer leg's outcome (the dialplan's RESULT_EVENT): done when answered, else retry or fail."""
    if not str(callback_id).isdigit():
        return
    with _lock:
        row = Callback.get_or_none((Callback.id == int(callback_id)) & (Callback.status == "calling"))
        if row is None:
            return
        result = DIAL_RESULTS.get(dial_status, "failed")
        if result == "answered":
            _finish(row, "done", result)
            publish(row)
            log.info("callback %s done: %s answered", row.id, row.number)
        else:
            _retry_or_fail(row, result, utcnow())


def recover(now=None):
    """Retry attempts whose outcome was lost (the daemon or the engine was away); return how many."""
    now = now or utcnow()
    found = 0
    with _lock:
        for row in Callback.select().where(Callback.status == "calling"):
            waited = (now - row.started_at).total_seconds() if row.started_at else CONNECTED_LOST_SECONDS
            ring = ANSWER_SECONDS if row.agent.startswith("extension:") else QUEUE_WAIT_SECONDS
            if (row.last_result != "agent_answered" and waited > ring + 60) or waited > CONNECTED_LOST_SECONDS:
                _retry_or_fail(row, "lost", now)
                found += 1
    return found
