"""Take the recordings Asterisk finished into the recordings folder, compressed, idempotently.

Asterisk's MixMonitor writes ``<spool>/recordings/<linkedid>+<uniqueid>+<epoch>.raw`` (stereo, 8 kHz signed linear)
and moves it into ``ready/`` once closed (confgen/recording.py): a file in ``ready/`` is complete
and is the durable copy until this module has stored it. For each one: compress it with ffmpeg into
the recordings folder (a temporary name, then a rename), insert its row (ON CONFLICT DO NOTHING on
its name), and only then delete the raw file. A daemon killed at any instant finds the raw file
again and the second pass stores nothing twice: the row is there (delete the raw file) or it is
not (convert again, over the same name).
"""
import datetime
import logging
import os
import re
import subprocess
from pathlib import Path, PurePosixPath

from appliance.asterisk.confgen.recording import READY_SUBDIR, SPOOL_SUBDIR
from appliance.audio import CPU_SECONDS, AudioError, tool
from appliance.db import database
from appliance.models.call_history import CallRecord
from appliance.models.recordings import Recording
from appliance.services import recording_policy

log = logging.getLogger(__name__)

#: Output formats: suffix -> ffmpeg encoder options (stereo kept: one party per channel).
FORMATS = {
    "opus": ("-c:a", "libopus", "-b:a", "32k", "-f", "ogg"),
    "mp3": ("-c:a", "libmp3lame", "-b:a", "48k", "-f", "mp3"),
}
#: Bytes per second of the raw file: 8000 samples of 2 channels of 2 bytes.
RAW_BYTES_PER_SECOND = 8000 * 2 * 2
#: Seconds a finished recording waits for its call record before it is stored without one.
WAIT_FOR_RECORD_SECONDS = 120
# confgen/recording.py NAME: linkedid+uniqueid+epoch, each uniqueid [systemname-]epoch.sequence.
_NAME = re.compile(r"(?P<linkedid>[A-Za-z0-9_-]{0,64}[0-9]+\.[0-9]+)\+[A-Za-z0-9_-]{0,64}[0-9]+\.[0-9]+\+[0-9]{1,12}")


def ready_dir(engine):
    """Return the host path of the folder Asterisk moves finished recordings into."""
    return engine.host_path(PurePosixPath(engine.settings.instance_dir) / "spool" / SPOOL_SUBDIR / READY_SUBDIR)


def ingest(engine, store, fmt="opus", keep_days=0, now=None):
    """Store every finished recording of ``engine`` in ``store``; return how many were stored."""
    return ingest_dir(ready_dir(engine), store, fmt, keep_days, now)


def ingest_dir(ready, store, fmt="opus", keep_days=0, now=None):
    """Store every ``*.raw`` of ``ready`` (oldest first) in ``store``; return how many were stored."""
    now = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    ready = Path(ready)
    if not ready.is_dir():
        return 0
    stored = 0
    for raw in sorted(ready.glob("*.raw"), key=lambda path: path.stat().st_mtime):
        try:
            stored += ingest_file(raw, Path(store), fmt, keep_days, now)
        except AudioError:
            log.exception("recording %s could not be compressed: left in place", raw.name)
    return stored


def ingest_file(raw, store, fmt="opus", keep_days=0, now=None):
    """Store one finished recording; return 1 when stored now, 0 when not (yet, or already)."""
    now = now or datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    name = raw.stem
    parsed = _NAME.fullmatch(name)
    if parsed is None:
        log.warning("not a recording of ours: %s (left in place)", raw.name)
        return 0
    if Recording.select().where(Recording.name == name).exists():
        raw.unlink(missing_ok=True)  # stored before a kill took the daemon
        return 0
    linkedid = parsed["linkedid"]
    record = _first_record(linkedid)
    finished = datetime.datetime.fromtimestamp(raw.stat().st_mtime, datetime.UTC).replace(tzinfo=None)
    if record is None and (now - finished).total_seconds() < WAIT_FOR_RECORD_SECONDS:
        return 0  # Asterisk writes the call record at hangup: it is ingested within seconds
    seconds = raw.stat().st_size // RAW_BYTES_PER_SECOND
    started = record.calldate if record else finished - datetime.timedelta(seconds=seconds)
    relative = f"{started:%Y/%m/%d}/{name}.{fmt}"
    size = compress(raw, store / relative, fmt)
    # The longest retention of the policies that applied to the call, else the global one (decision 036),
    # fixed on the row now: a later policy change does not shorten what was promised when it was made.
    days, kept_for = recording_policy.retention(linkedid, keep_days)
    with database.atomic():
        Recording.insert(
            name=name, linkedid=linkedid, call_found=record is not None, started_at=started, path=relative,
            size=size, seconds=seconds, created_at=now, keep_days=days, kept_for=kept_for,
            delete_after=started + datetime.timedelta(days=days) if days else None,
        ).on_conflict_ignore().execute()
    raw.unlink(missing_ok=True)
    return 1


def compress(raw, target, fmt="opus"):
    """Encode the stereo raw file ``raw`` into ``target`` (written beside, then renamed); return its size."""
    if fmt not in FORMATS:
        raise AudioError("format", fmt)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    cmd = [tool("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
           "-f", "s16le", "-ar", "8000", "-ac", "2", "-i", str(raw), *FORMATS[fmt], str(partial)]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=CPU_SECONDS * 10, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AudioError("decode", "timed out") from exc
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise AudioError("decode", done.stderr.decode(errors="replace")[-300:])
    os.chmod(partial, 0o640)
    os.replace(partial, target)
    return target.stat().st_size


def _first_record(linkedid):
    return (CallRecord.select(CallRecord.calldate).where(CallRecord.linkedid == linkedid)
            .order_by(CallRecord.calldate, CallRecord.id).first())
