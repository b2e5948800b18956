"""SLA alerts: a queue's service level, callers waiting or longest wait past its target, and pauses past
their reason's limit — e-mailed and published as webhook events once per episode, the recovery too.

The daemon runs ``check`` every few seconds on the live snapshots (the queue board, the agent
board). An episode is a ``callcenter_alerts`` row: opened when a condition starts (e-mail +
``queue.alert`` event), closed when it ends (e-mail + ``queue.recovered``), so a condition that
lasts an hour is one alert, and a daemon restart neither repeats nor forgets one. The service level
is judged only once ``SLA_MIN_CALLS`` calls ended today: one late call at 8:00 is not an episode.
"""
import logging
import time

from appliance import events
from appliance.asterisk.names import queue_name
from appliance.db import database
from appliance.i18n import N_, translations
from appliance.models.callcenter import CallcenterAlert, QueueSupervisor, QueueTarget
from appliance.models.queues import PauseReason, Queue, QueueMember
from appliance.models.users import User, utcnow
from appliance.services import agent_board, mail, queue_board

log = logging.getLogger(__name__)
ALERT, RECOVERED = "queue.alert", "queue.recovered"
#: Calls that ended today before a queue's service level can start an episode.
SLA_MIN_CALLS = 5

TITLES = {
    "service_level": N_("Queue %(queue)s: service level %(value)s %% is under the %(target)s %% target"),
    "waiting": N_("Queue %(queue)s: %(value)s callers waiting, over the limit of %(target)s"),
    "wait_time": N_("Queue %(queue)s: a caller has waited %(value)s s, over the limit of %(target)s s"),
    "pause": N_("Agent %(queue)s: paused for %(value)s min (%(reason)s), over the limit of %(target)s min"),
}
RECOVERY = N_("Recovered: %(title)s")


def _conditions(var_dir, now):
    """Return ``{(kind, subject): (params, recipients)}`` of every condition true now."""
    snapshot = queue_board.read(var_dir)
    found = {}
    for target in QueueTarget.select(QueueTarget, Queue).join(Queue):
        queue = target.queue
        name = queue_name(queue.id)
        callers = snapshot["callers"].get(name, {}).values()
        figures = snapshot["figures"].get(name)
        recipients = _addresses(target.alert_emails) + _supervisors([queue.id])
        base = {"queue": f"{queue.number} {queue.name}"}
        level = queue_board.service_level(figures) if figures else None
        if level is not None and figures["answered"] + figures["abandoned"] >= SLA_MIN_CALLS \
                and level < target.sl_percent:
            found[("service_level", str(queue.id))] = (dict(base, value=level, target=target.sl_percent), recipients)
        if target.max_waiting and len(callers) > target.max_waiting:
            found[("waiting", str(queue.id))] = (dict(base, value=len(callers), target=target.max_waiting),
                                                 recipients)
        longest = max((now - caller["joined_at"] for caller in callers), default=0)
        if target.max_wait_seconds and longest > target.max_wait_seconds:
            found[("wait_time", str(queue.id))] = (dict(base, value=int(longest), target=target.max_wait_seconds),
                                                   recipients)
    limits = {reason.name: reason.max_minutes for reason in PauseReason.select().where(PauseReason.max_minutes > 0)}
    states, _ = agent_board.read_states(var_dir, now)
    for number, state in states.items():
        limit = limits.get(state["reason"]) if state["state"] == "paused" else None
        if limit and state["since"] and now - state["since"] > limit * 60:
            found[("pause", number)] = ({"queue": number, "value": int((now - state["since"]) // 60),
                                         "reason": state["reason"], "target": limit},
                                        _recipients_of(("pause", number)))
    return found


def _extension_ids(number):
    from appliance.models.extensions import Extension

    return [row.id for row in Extension.select(Extension.id).where(Extension.number == number)]


def _addresses(text):
    return [line.strip() for line in (text or "").splitlines() if mail.valid_address(line.strip())]


def _supervisors(queue_ids):
    users = (User.select(User.email).join(QueueSupervisor, on=(QueueSupervisor.user == User.id))
             .where(QueueSupervisor.queue.in_(list(queue_ids)), User.active, User.email != ""))
    return [user.email for user in users if mail.valid_address(user.email)]


def check(var_dir, now=None, language="pt_BR"):
    """Open an episode for each new condition and close each that ended; e-mail and publish both.

    Return ``(opened, closed)`` lists of ``(kind, subject)``.
    """
    now = now or time.time()
    current = _conditions(var_dir, now)
    open_rows = {(row.kind, row.subject): row
                 for row in CallcenterAlert.select().where(CallcenterAlert.ended_at.is_null())}
    _ = translations(language).gettext
    opened, closed, outbox = [], [], []
    with database.atomic():
        for key, (params, recipients) in current.items():
            if key in open_rows:
                continue
            title = _(TITLES[key[0]]) % params
            CallcenterAlert.create(kind=key[0], subject=key[1], started_at=utcnow(), detail=title[:200])
            events.publish(ALERT, {"kind": key[0], "subject": key[1], "title": title, **params})
            outbox += [(address, title, title) for address in sorted(set(recipients))]
            opened.append(key)
        for key, row in open_rows.items():
            if key in current:
                continue
            row.ended_at = utcnow()
            row.save()
            title = _(RECOVERY) % {"title": row.detail}
            events.publish(RECOVERED, {"kind": key[0], "subject": key[1], "title": title})
            outbox += [(address, title, title) for address in sorted(set(_recipients_of(key)))]
            closed.append(key)
    # Mail after the commit: a slow relay never holds the episode rows, and a failed send is logged.
    for address, subject, body in outbox:
        try:
            mail.send(mail.new_message(address, f"Centralina: {subject}", body + "\n"))
        except mail.MailError as error:
            log.warning("SLA alert not e-mailed to %s: %s", address, error)
    return opened, closed


def _recipients_of(key):
    kind, subject = key
    if kind == "pause":
        queues = [row.queue_id for row in QueueMember.select().where(
            QueueMember.extension.in_(_extension_ids(subject)))]
    else:
        queues = [int(subject)]
    emails = [address for target in QueueTarget.select().where(QueueTarget.queue.in_(queues))
              for address in _addresses(target.alert_emails)]
    return emails + _supervisors(queues)
