"""An extension's call history: one row per call, built from the CDR legs stored in call_records.

Asterisk writes one record per (caller, callee channel) pair, so one call can leave several
legs sharing a ``linkedid`` (a dial forked to two devices, a retry, a transfer). For one
extension a call is the group of its legs where the extension is ``src`` or ``dst``; the
group is shown once, on its first leg (lowest id), with the outcome of the whole group.
Pages are keyset-paginated on that leg's (calldate, id): newest first, no OFFSET.
"""
import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from peewee import SQL, Case, fn

from appliance import phone_numbers
from appliance.models.call_history import CallRecord
from appliance.services import bots, recordings

DIRECTIONS = ("out", "in")
#: The outcomes a call can have for the extension, best first: a call that reached voicemail was
#: not answered by the person, but they have a message to hear.
STATUSES = ("answered", "voicemail", "no_answer", "busy", "failed")
#: Status "missed" in the filter: received and not answered by the person.
MISSED = ("voicemail", "no_answer", "busy", "failed")
PAGE_SIZE = 50


@dataclass(frozen=True)
class HistoryFilter:
    """What the person asked to see; dates are days in the appliance's time zone, both inclusive."""

    since: datetime.date | None = None
    until: datetime.date | None = None
    direction: str = ""  # "", "out", "in"
    status: str = ""  # "", one of STATUSES, or "missed"
    number: str = ""  # digits the other party's number contains


@dataclass(frozen=True)
class CallRow:
    """One call as the extension saw it."""

    id: int
    calldate: datetime.datetime  # naive UTC
    direction: str
    status: str
    other_number: str
    other_name: str
    talk_seconds: int
    total_seconds: int
    #: The call's recording (appliance/models/recordings.py), None when it was not recorded.
    recording_id: int | None = None
    #: What the caller said to a VoiceBot on this call and the intent it matched ("" when no bot took part).
    bot_transcript: str = ""
    bot_intent: str = ""


def cursor_of(row):
    """Return the opaque keyset cursor that continues after ``row``."""
    return f"{row.calldate.strftime('%Y%m%d%H%M%S%f')}.{row.id}"


def parse_cursor(value):
    """Return (calldate, id) from a cursor, or None when it is not one."""
    stamp, _, ident = (value or "").partition(".")
    try:
        return datetime.datetime.strptime(stamp, "%Y%m%d%H%M%S%f"), int(ident)
    except ValueError:
        return None


def utc_bounds(history_filter, time_zone):
    """Return the UTC instants [start, end) of the filter's local-date range (None where open)."""
    zone = ZoneInfo(time_zone)

    def utc_midnight(day):
        local = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
        return local.astimezone(datetime.UTC).replace(tzinfo=None)

    start = utc_midnight(history_filter.since) if history_filter.since else None
    end = utc_midnight(history_filter.until + datetime.timedelta(days=1)) if history_filter.until else None
    return start, end


def _query(number, history_filter, time_zone):
    """Return the SELECT of the extension's calls (first legs with their group's outcome), newest first."""
    leg = CallRecord.alias("leg")
    mine = (CallRecord.src == number) | (CallRecord.dst == number)
    legs_mine = (leg.linkedid == CallRecord.linkedid) & ((leg.src == number) | (leg.dst == number))

    def any_leg(condition):
        return fn.EXISTS(leg.select(SQL("1")).where(legs_mine & condition))

    outgoing = CallRecord.src == number
    # For a received call only legs that rang this extension count; a VoiceMail leg "answers"
    # the caller but the person missed the call.
    answered_by_person = any_leg((leg.disposition == "ANSWERED") & (leg.lastapp != "VoiceMail")
                                 & (leg.dstchannel != ""))
    status = Case(None, [
        (outgoing & any_leg(leg.disposition == "ANSWERED"), "answered"),
        (answered_by_person, "answered"),
        (any_leg((leg.disposition == "ANSWERED") & (leg.lastapp == "VoiceMail")), "voicemail"),
        (any_leg(leg.disposition == "NO ANSWER"), "no_answer"),
        (any_leg(leg.disposition == "BUSY"), "busy"),
    ], "failed")
    talk = leg.select(fn.COALESCE(fn.MAX(leg.billsec), 0)).where(
        legs_mine & (leg.disposition == "ANSWERED") & (leg.lastapp != "VoiceMail"))
    total = leg.select(fn.MAX(leg.duration)).where(legs_mine)
    first_leg = ~fn.EXISTS(leg.select(SQL("1")).where(legs_mine & (leg.id < CallRecord.id)))
    query = (CallRecord
             .select(CallRecord.id, CallRecord.calldate, CallRecord.src, CallRecord.dst, CallRecord.clid,
                     CallRecord.linkedid,
                     status.alias("status"), talk.alias("talk"), total.alias("total"))
             .where(mine & first_leg)
             .order_by(CallRecord.calldate.desc(), CallRecord.id.desc()))
    start, end = utc_bounds(history_filter, time_zone)
    if start is not None:
        query = query.where(CallRecord.calldate >= start)
    if end is not None:
        query = query.where(CallRecord.calldate < end)
    if history_filter.direction == "out":
        query = query.where(outgoing)
    elif history_filter.direction == "in":
        query = query.where(~outgoing)
    if history_filter.status == "missed":
        query = query.where(~outgoing & status.in_(MISSED))
    elif history_filter.status in STATUSES:
        query = query.where(status == history_filter.status)
    searched = phone_numbers.search_fragment(history_filter.number)
    if searched:
        other = Case(None, [(outgoing, CallRecord.dst)], CallRecord.src)
        query = query.where(fn.INSTR(other, searched) > 0)
    return query


def _row(record, number, recorded=None, bot_calls=None):
    outgoing = record.src == number
    recording = (recorded or {}).get(record.linkedid)
    bot_call = (bot_calls or {}).get(record.linkedid)
    name, clid_number = _split_clid(record.clid)
    return CallRow(
        id=record.id,
        calldate=record.calldate,
        direction="out" if outgoing else "in",
        status=record.status,
        other_number=record.dst if outgoing else (record.src or clid_number),
        other_name="" if outgoing else name,
        talk_seconds=int(record.talk or 0),
        total_seconds=int(record.total or 0),
        recording_id=recording.id if recording else None,
        bot_transcript=bot_call.transcript if bot_call else "",
        bot_intent=(bot_call.intent or bot_call.outcome) if bot_call else "",
    )


def _split_clid(clid):
    """Split ``"Name" <number>`` into (name, number)."""
    clid = clid or ""
    if "<" in clid and clid.endswith(">"):
        name, _, rest = clid.rpartition("<")
        return name.strip().strip('"').strip(), rest[:-1]
    return "", clid


def list_calls(number, history_filter=HistoryFilter(), time_zone="America/Sao_Paulo", after=None,
               limit=PAGE_SIZE):
    """Return (calls, more): up to ``limit`` calls older than the cursor ``after``, and whether more follow."""
    query = _query(number, history_filter, time_zone)
    if after is not None:
        calldate, ident = after
        query = query.where((CallRecord.calldate < calldate)
                            | ((CallRecord.calldate == calldate) & (CallRecord.id < ident)))
    records = list(query.limit(limit + 1))
    recorded = recordings.by_call(record.linkedid for record in records[:limit])
    bot_calls = bots.calls_of([record.linkedid for record in records[:limit]])
    return [_row(record, number, recorded, bot_calls) for record in records[:limit]], len(records) > limit


def iter_calls(number, history_filter=HistoryFilter(), time_zone="America/Sao_Paulo", batch=500):
    """Yield every matching call, newest first, a keyset page at a time (for exports)."""
    after = None
    while True:
        calls, more = list_calls(number, history_filter, time_zone, after=after, limit=batch)
        yield from calls
        if not more:
            return
        after = (calls[-1].calldate, calls[-1].id)
