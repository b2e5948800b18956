"""Toll-fraud guards the daemon runs: alerts when a cap trips, international minutes counted from call records.

The dialplan enforces the caps by itself (confgen/outbound.py): concurrent calls with GROUP_COUNT,
international minutes against the AstDB counters kept here. When it refuses a call for a cap it raises
a UserEvent; the daemon turns it into an audit entry and an e-mail to the administrators, once per
trip (one per extension and cap per ALERT_WINDOW seconds: a burst of 100 attempts is one alert).
"""
import datetime
import logging
import re
import zoneinfo

from appliance.asterisk import control
from appliance.asterisk.names import OUTBOUND_ASTDB_FAMILY
from appliance.db import database
from appliance.i18n import N_, translations
from appliance.models.call_history import CallRecord
from appliance.models.users import User
from appliance.services import Actor, audit, mail, throttles

log = logging.getLogger(__name__)
#: Seconds during which more refusals of one extension by one cap are the same trip (no new alert).
ALERT_WINDOW = 3600
#: Each cap as the alert names it.
CAP_NAMES = {
    "calls": N_("simultaneous outside calls"),
    "minutes": N_("international minutes today"),
    "velocity": N_("international attempts in 10 minutes (international is locked until midnight)"),
}
CAPS = tuple(CAP_NAMES)
#: What the dialplan writes in CDR(userfield) of an outside call: ``out:<extension>:<class>``.
USERFIELD = re.compile(r"out:([0-9]{1,20}):([a-z]+)")
_EXTENSION = re.compile(r"[0-9]{1,20}")


def _day(now, timezone):
    return now.astimezone(zoneinfo.ZoneInfo(timezone))


def cap_tripped(extension, profile_id, cap, now=None):
    """Record that ``cap`` refused a call of ``extension``; audit and mail the admins once per trip.

    Return whether an alert went out (False: the same trip was already reported, or the event is malformed).
    """
    if not _EXTENSION.fullmatch(extension or "") or cap not in CAPS:
        return False
    if throttles.hit(f"outbound-cap:{extension}:{cap}", 1, ALERT_WINDOW, now=now):
        return False
    with database.atomic():
        audit.record(Actor.system("daemon"), "outbound.cap_tripped", "extension", extension, extension,
                     after={"cap": cap, "profile": profile_id})
    log.warning("outbound cap %s tripped by extension %s (profile %s)", cap, extension, profile_id)
    _mail_admins(extension, cap)
    return True


def _mail_admins(extension, cap):
    if not mail.is_configured():
        return
    admins = User.select().where((User.role == "admin") & User.active & (User.email != ""))
    for admin in admins:
        gettext = translations(admin.language).gettext
        what = gettext(CAP_NAMES[cap])
        subject = gettext(N_("Extension %(extension)s reached its cap of %(what)s")) % {
            "extension": extension, "what": what}
        body = gettext(N_("The phone system refused calls of extension %(extension)s: it reached its cap of "
                          "%(what)s. If nobody there is calling that much, its password may be stolen: change it "
                          "and check the call history.")) % {"extension": extension, "what": what}
        try:
            mail.send(mail.new_message(admin.email, subject, body))
        except mail.MailError as error:
            log.warning("cap alert to %s not sent: %s", admin.email, error)


def international_seconds(timezone, now=None):
    """Return ``{extension: seconds}`` of international calls answered today (``timezone``'s day)."""
    now = now or datetime.datetime.now(datetime.UTC)
    local = _day(now, timezone)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(datetime.UTC).replace(tzinfo=None)
    used = {}
    query = CallRecord.select(CallRecord.userfield, CallRecord.billsec).where(
        (CallRecord.calldate >= start) & CallRecord.userfield.endswith(":international"))
    for record in query:
        match = USERFIELD.fullmatch(record.userfield)
        if match:
            used[match.group(1)] = used.get(match.group(1), 0) + record.billsec
    return used


def publish_international_minutes(timezone, now=None):
    """Write today's international seconds per extension to AstDB, where the routes read them. Return them."""
    now = now or datetime.datetime.now(datetime.UTC)
    used = international_seconds(timezone, now)
    engine = control.current()
    if engine is not None and used:
        engine.put_outbound_counters(OUTBOUND_ASTDB_FAMILY, {
            f"{extension}/intl_{_day(now, timezone):%Y%m%d}": str(seconds) for extension, seconds in used.items()})
    return used
