"""Call recordings: which call has one, who may hear it, every listen audited, old ones deleted.

Who may play or download a recording: an admin, the owner of an extension the call involved (the
extension was the caller or the called party of one of the call's records), and a supervisor of a
queue the call waited in.
Every playback and download writes an audit entry before the file is served.
"""
import datetime
from pathlib import Path

from appliance.db import database
from appliance.errors import NotFound
from appliance.i18n import N_
from appliance.models.call_history import CallRecord
from appliance.models.callcenter import QueueLogRow
from appliance.models.recordings import Recording
from appliance.services import Actor, audit

#: What a listener did: the audit entry's action is "recording.<action>".
ACTIONS = ("played", "downloaded")
#: Content types of the stored formats (appliance/asterisk/recordings.py FORMATS).
CONTENT_TYPES = {"opus": "audio/ogg", "mp3": "audio/mpeg"}


def store_dir(conf):
    """Return the folder the compressed recordings live in (RECORDINGS_DIR, else VAR_DIR/recordings)."""
    return Path(conf.get("RECORDINGS_DIR") or Path(conf["VAR_DIR"]) / "recordings")


def by_call(linkedids):
    """Return ``{linkedid: Recording}`` for the calls ``linkedids`` that have one (the first made)."""
    found = {}
    linkedids = sorted({linkedid for linkedid in linkedids if linkedid})
    for start in range(0, len(linkedids), 500):  # SQLite caps the variables of one statement
        for recording in (Recording.select().where(Recording.linkedid.in_(linkedids[start:start + 500]),
                                                   Recording.deleted_at.is_null()).order_by(Recording.id)):
            found.setdefault(recording.linkedid, recording)
    return found


def get_recording(recording_id):
    """Return the recording ``recording_id``; raise NotFound."""
    recording = Recording.get_or_none(Recording.id == recording_id, Recording.deleted_at.is_null())
    if recording is None:
        raise NotFound(N_("Recording not found."))
    return recording


def involves(recording, number):
    """Return whether extension ``number`` made or received the recorded call."""
    if not recording.linkedid or not number:
        return False
    return CallRecord.select().where(
        (CallRecord.linkedid == recording.linkedid)
        & ((CallRecord.src == number) | (CallRecord.dst == number))).exists()


def through_queues(recording, queue_names):
    """Return whether the recorded call waited in one of the app_queue queues ``queue_names`` (``q<id>``).

    A queue_log call id is the caller channel's uniqueid; the call's records share its linkedid.
    """
    if not recording.linkedid or not queue_names:
        return False
    channels = CallRecord.select(CallRecord.uniqueid).where(CallRecord.linkedid == recording.linkedid)
    return QueueLogRow.select().where(QueueLogRow.callid.in_(channels),
                                      QueueLogRow.queue.in_(sorted(queue_names))).exists()


def _queue_calls(queue_names):
    """The linkedids of calls that waited in one of ``queue_names``."""
    channels = QueueLogRow.select(QueueLogRow.callid).where(QueueLogRow.queue.in_(sorted(queue_names)))
    return _calls_where(CallRecord.uniqueid.in_(channels))


def open_for(actor, recording, action, store):
    """Audit that ``actor`` ``action``-ed (played, downloaded) ``recording``; return its file's path.

    The caller has checked the permission (``involves`` or an admin); a file gone (deleted by
    retention meanwhile) raises NotFound, and nothing is audited.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    path = Path(store) / recording.path
    if not path.is_file():
        raise NotFound(N_("Recording not found."))
    with database.atomic():
        audit.record(actor, f"recording.{action}", "recording", recording.id, recording.name,
                     after={"linkedid": recording.linkedid, "started_at": recording.started_at})
    return path


def content_type(recording):
    """Return the MIME type of the recording's file."""
    return CONTENT_TYPES.get(recording.path.rsplit(".", 1)[-1], "application/octet-stream")


#: Who deletes expired recordings in the audit log.
RETENTION_ACTOR = Actor.system("retention")
#: A file changed this recently is left for the next pass: nothing being written is ever deleted.
QUIET_SECONDS = 60


def purge_expired(store, now=None, batch=1000):
    """Delete the files of recordings whose retention ended and mark their rows; return how many went.

    The row stays (``deleted_at`` set, the call history's link to it gone) with an audit entry per
    recording: who listened to what remains answerable after the audio is gone. A file modified in the
    last QUIET_SECONDS (a compressed copy being renamed in, a clock set back) waits for the next pass.
    """
    now = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    gone = 0
    due = (Recording.select().where(Recording.delete_after <= now, Recording.deleted_at.is_null())
           .order_by(Recording.delete_after).limit(batch))
    for recording in due:
        path = Path(store) / recording.path
        try:
            if now.replace(tzinfo=datetime.UTC).timestamp() - path.stat().st_mtime < QUIET_SECONDS:
                continue
        except FileNotFoundError:
            pass
        # The file first: a kill between the two leaves an unmarked row whose file is missing (NotFound
        # when opened, marked on the next pass), never a file nobody can find.
        path.unlink(missing_ok=True)
        with database.atomic():
            Recording.update(deleted_at=now).where(Recording.id == recording.id).execute()
            audit.record(RETENTION_ACTOR, "recording.expired", "recording", recording.id, recording.name,
                         before={"linkedid": recording.linkedid, "started_at": recording.started_at,
                                 "keep_days": recording.keep_days, "kept_for": recording.kept_for})
        gone += 1
    return gone


#: Directions of a recorded call, from its call records' channels (a trunk's are PJSIP/trunk_<id>-…).
DIRECTIONS = ("inbound", "outbound", "internal")
_TRUNK_CHANNEL = "PJSIP/trunk_%"


def _calls_where(condition):
    return CallRecord.select(CallRecord.linkedid).where(condition)


def search(numbers=None, since=None, until=None, extension="", number="", direction="", queues=()):
    """Return the query of the recordings still kept, newest first by id, filtered.

    ``numbers``: only calls one of these extensions took part in (a person's own; None: all, for
    admins and service tokens), or that waited in one of ``queues`` (a supervisor's, app_queue names);
    ``since``/``until``: the call's start (UTC, naive); ``extension`` and ``number``: a party's number
    (src or dst of one of the call's records); ``direction``: DIRECTIONS.
    """
    query = Recording.select().where(Recording.deleted_at.is_null())
    if numbers is not None:
        numbers = list(numbers)
        mine = Recording.linkedid.in_(_calls_where(CallRecord.src.in_(numbers) | CallRecord.dst.in_(numbers)))
        query = query.where(mine | Recording.linkedid.in_(_queue_calls(queues)) if queues else mine)
    if since:
        query = query.where(Recording.started_at >= since)
    if until:
        query = query.where(Recording.started_at < until)
    for wanted in (extension, number):
        if wanted:
            query = query.where(Recording.linkedid.in_(
                _calls_where((CallRecord.src == wanted) | (CallRecord.dst == wanted))))
    inbound = _calls_where(CallRecord.channel ** _TRUNK_CHANNEL)
    outbound = _calls_where(CallRecord.dstchannel ** _TRUNK_CHANNEL)
    if direction == "inbound":
        query = query.where(Recording.linkedid.in_(inbound))
    elif direction == "outbound":
        query = query.where(Recording.linkedid.in_(outbound), Recording.linkedid.not_in(inbound))
    elif direction == "internal":
        query = query.where(Recording.linkedid.not_in(inbound), Recording.linkedid.not_in(outbound))
    return query


def visible(recording_id, numbers=None, queues=()):
    """Return recording ``recording_id`` if kept and (``numbers`` given) one of them took part or the call
    waited in one of ``queues`` (app_queue names of a supervisor's queues); else NotFound.

    Someone else's id answers exactly as an id that does not exist: a guessed id says nothing.
    """
    recording = get_recording(recording_id)
    if numbers is not None and not any(involves(recording, number) for number in numbers) \
            and not through_queues(recording, queues):
        raise NotFound(N_("Recording not found."))
    return recording


def delete_recording(recording_id, actor, store):
    """Delete a recording's file by hand (an admin) and mark its row; audited. NotFound if already gone."""
    recording = get_recording(recording_id)
    (Path(store) / recording.path).unlink(missing_ok=True)
    with database.atomic():
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        Recording.update(deleted_at=now).where(Recording.id == recording.id).execute()
        audit.record(actor, "recording.delete", "recording", recording.id, recording.name,
                     before={"linkedid": recording.linkedid, "started_at": recording.started_at})
