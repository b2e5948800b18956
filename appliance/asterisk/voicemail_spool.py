"""Read voicemail messages from Asterisk's spool, never writing it.

app_voicemail (file storage) keeps each mailbox at
``<spool>/voicemail/<context>/<mailbox>/<folder>/msgNNNN.{txt,wav,...}``; the ``.txt`` is an
ini-style file whose ``[message]`` section holds ``callerid``, ``origtime`` (epoch),
``duration`` and ``msg_id``. Asterisk renumbers msgNNNN when a message is removed or moved,
so a message is named by its ``msg_id``, and moves and removals go through AMI (Asterisk then
renumbers and re-publishes the message-waiting state); this module only looks.
"""
import datetime
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from appliance.asterisk.names import VOICEMAIL_CONTEXT

#: The folders the panel shows: new messages, and those already heard.
FOLDERS = ("INBOX", "Old")
#: Our mailboxes all live in one voicemail context (the realtime rows' ``context``).
CONTEXT = VOICEMAIL_CONTEXT
# Asterisk's "wav" format writes .wav (PCM); "wav49" writes .WAV (GSM in WAV). Prefer PCM: browsers play it.
AUDIO_SUFFIXES = (".wav", ".WAV")

_MAILBOX = re.compile(r"[0-9A-Za-z_-]{1,40}")
_MESSAGE_FILE = re.compile(r"msg(\d{4})\.txt")
_CALLERID = re.compile(r'^\s*"?(?P<name>[^"<]*?)"?\s*<(?P<number>[^>]*)>\s*$')


@dataclass(frozen=True)
class VoicemailMessage:
    """One message as the spool describes it."""

    msg_id: str
    mailbox: str
    folder: str
    index: int
    caller_name: str
    caller_number: str
    received_at: datetime.datetime | None  # naive UTC
    duration: int
    text_path: Path
    audio_path: Path | None

    @property
    def caller(self):
        """Return the caller as one line: "Name <number>", the number, or the name."""
        if self.caller_name and self.caller_number:
            return f"{self.caller_name} <{self.caller_number}>"
        return self.caller_number or self.caller_name


def spool_root(engine):
    """Return the host path of ``engine``'s voicemail spool (``<instance>/spool/voicemail``)."""
    return engine.host_path(PurePosixPath(engine.settings.instance_dir) / "spool" / "voicemail")


def mailbox_dir(root, mailbox, context=CONTEXT):
    """Return the folder of ``mailbox`` under the spool ``root``; raise ValueError for a name that is not one."""
    if not _MAILBOX.fullmatch(mailbox or "") or not _MAILBOX.fullmatch(context or ""):
        raise ValueError(f"not a mailbox name: {mailbox!r}@{context!r}")
    return Path(root) / context / mailbox


def list_messages(root, mailbox, folders=FOLDERS, context=CONTEXT):
    """Return the messages of ``mailbox`` in ``folders``, newest first."""
    base = mailbox_dir(root, mailbox, context)
    found = []
    for folder in folders:
        directory = base / folder
        if not directory.is_dir():
            continue
        for path in directory.iterdir():
            match = _MESSAGE_FILE.fullmatch(path.name)
            if match is None:
                continue
            message = read_message(path, mailbox, folder, int(match.group(1)))
            if message is not None:
                found.append(message)
    epoch = datetime.datetime(1970, 1, 1)
    return sorted(found, key=lambda m: (m.received_at or epoch, m.msg_id), reverse=True)


def find_message(root, mailbox, msg_id, folders=FOLDERS, context=CONTEXT):
    """Return the message of ``mailbox`` whose ``msg_id`` is ``msg_id``, or None."""
    if not msg_id:
        return None
    return next((m for m in list_messages(root, mailbox, folders, context) if m.msg_id == msg_id), None)


def parse_fields(text):
    """Return the ``key=value`` pairs of a msgNNNN.txt's ``[message]`` section."""
    fields, section = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        if section == "message" and "=" in line:
            key, _, value = line.partition("=")
            fields[key.strip()] = value.strip()
    return fields


def parse_callerid(value):
    """Split Asterisk's ``"Name" <number>`` into (name, number); "Unknown" is neither."""
    value = (value or "").strip()
    if not value or value.lower() == "unknown":
        return "", ""
    match = _CALLERID.match(value)
    if match:
        return match.group("name").strip(), match.group("number").strip()
    return ("", value) if re.fullmatch(r"[0-9+*#]+", value) else (value, "")


def read_message(text_path, mailbox, folder, index):
    """Return the message described by ``text_path``, or None while it is incomplete."""
    try:
        fields = parse_fields(Path(text_path).read_text(encoding="utf-8", errors="replace"))
    except FileNotFoundError:
        return None  # renumbered or removed while we listed the folder
    msg_id = fields.get("msg_id", "")
    if not msg_id:
        return None  # app_voicemail writes msg_id with the rest; a file without it is being written
    name, number = parse_callerid(fields.get("callerid", ""))
    return VoicemailMessage(
        msg_id=msg_id,
        mailbox=mailbox,
        folder=folder,
        index=index,
        caller_name=name,
        caller_number=number,
        received_at=_utc(fields.get("origtime", "")),
        duration=_int(fields.get("duration", "")),
        text_path=Path(text_path),
        audio_path=_audio(Path(text_path)),
    )


def _audio(text_path):
    for suffix in AUDIO_SUFFIXES:
        candidate = text_path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def _utc(epoch):
    try:
        value = int(epoch)
    except ValueError:
        return None
    return datetime.datetime.fromtimestamp(value, datetime.UTC).replace(tzinfo=None) if value > 0 else None


def _int(value):
    try:
        return max(0, int(value))
    except ValueError:
        return 0
