"""Speech models the admin uploads for the VoiceBot and voicemail transcripts: one Vosk model per language.

A model lives in the engine instance's ``lib/asr/<language>`` (decision 035; the bot server, the
console and the daemon's transcripts find it there). ``install`` takes an uploaded archive
(.zip or .tar.gz, as alphacephei publishes them) and changes nothing until the new model has been
unpacked safely (``voicebot.model_archive``), found to have Vosk's layout and LOADED once by
``vosk.Model`` in a separate process; then it takes the language's place in one rename (an
exchange with the old folder where the kernel has it), so a call never sees half a model. Every
staging file is under ``lib/asr`` (the same file system: the rename is atomic), never in memory
and never in /tmp. Recognisers key their cache by the folder's identity (``asr.model_stamp``): the
next call or transcript loads the new model, with no restart. Decision 045.
"""
import contextlib
import ctypes
import datetime
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.bots import Bot
from appliance.models.extensions import Extension
from appliance.services import audit, bots, voicemail_transcripts
from appliance.voicebot import asr, model_archive

log = logging.getLogger(__name__)
#: Kept inside a model's folder: where it came from, when, and that it loaded.
INFO_FILE = ".centralina-model.json"
#: Languages with a recogniser of their own when no model is installed (pocketsphinx's en-us).
BUILT_IN = ("en",)
#: Room left on the disk beyond the unpacked model.
DISK_MARGIN = 64 * 1024 * 1024
MB = 1024 * 1024

_ARCHIVE_ERRORS = {
    "format": N_("Upload a .zip or .tar.gz archive of the model."),
    "damaged": N_("The archive is damaged or incomplete."),
    "empty": N_("The archive holds no files."),
    "encrypted": N_("The archive is encrypted (%(name)s)."),
    "path": N_("The archive holds a path that is not allowed: %(name)s."),
    "special": N_("The archive holds a link or special file, which is not allowed: %(name)s."),
    "large": N_("The archive unpacks to more than %(max)d MB."),
    "files": N_("The archive holds more than %(max)d files."),
    "vosk": N_("The speech recognition package (vosk) is not installed on this system."),
    "load": N_("The model could not be loaded: %(reason)s"),
    "timeout": N_("Loading the model took longer than %(seconds)d seconds."),
}


@dataclass(frozen=True)
class Settings:
    """The limits of an upload (the SPEECH_MODEL_* settings)."""

    max_upload_bytes: int
    max_unpacked_bytes: int
    max_files: int
    load_seconds: int

    @classmethod
    def of(cls, conf):
        """Return the limits in the settings ``conf``."""
        return cls(int(conf["SPEECH_MODEL_MAX_UPLOAD_MB"]) * MB, int(conf["SPEECH_MODEL_MAX_UNPACKED_MB"]) * MB,
                   int(conf["SPEECH_MODEL_MAX_FILES"]), int(conf["SPEECH_MODEL_LOAD_SECONDS"]))


@dataclass
class SpeechModel:
    """One installed model, as the page and the API show it."""

    language: str
    size: int
    installed_at: datetime.datetime | None
    installed_by: str
    archive: str
    loaded: bool | None  # True: loaded at install; None: installed by hand, never checked here
    load_seconds: float | None
    bots: list
    mailboxes: list


def models_dir():
    """Return the folder models are installed under (``<instance>/lib/asr``), or None without an engine."""
    instance = bots.speech_models_dir()
    return asr.models_root(instance) if instance is not None else None


def check_language(language):
    """Raise NotFound unless the bots speak ``language``."""
    if language not in bots.LANGUAGES:
        raise NotFound(N_("No speech model for this language is installed."))


def users_of(language):
    """Return ``(bots, mailboxes)`` that hear through ``language``'s model: bot names and extension numbers whose
    voicemail is transcribed in that language."""
    bot_names = [bot.name for bot in Bot.select().where(Bot.language == language).order_by(Bot.name)]
    codes = [code for code, recogniser in voicemail_transcripts.LANGUAGES.items() if recogniser == language]
    mailboxes = [row.number for row in Extension.select().where(
        Extension.voicemail_enabled & Extension.language.in_(codes or [language])).order_by(Extension.number)]
    return bot_names, mailboxes


def _folder_size(folder):
    return sum(entry.stat().st_size for entry in Path(folder).rglob("*") if entry.is_file() and not entry.is_symlink())


def _info(folder):
    try:
        return json.loads((Path(folder) / INFO_FILE).read_text())
    except (OSError, ValueError):
        return {}


def describe(language):
    """Return the SpeechModel installed for ``language``, or None."""
    base = models_dir()
    folder = base / language if base is not None else None
    if folder is None or not folder.is_dir():
        return None
    info = _info(folder)
    installed = info.get("installed_at")
    when = (datetime.datetime.fromisoformat(installed) if installed else
            datetime.datetime.fromtimestamp(folder.stat().st_mtime, datetime.UTC).replace(tzinfo=None))
    bot_names, mailboxes = users_of(language)
    return SpeechModel(language, int(info.get("size") or _folder_size(folder)), when, info.get("installed_by", ""),
                       info.get("archive", ""), True if info.get("loaded") else None, info.get("load_seconds"),
                       bot_names, mailboxes)


def list_models():
    """Return ``[(language, SpeechModel or None)]`` for every language the bots speak, in their order."""
    return [(language, describe(language)) for language in bots.LANGUAGES]


def spool_file(total_content_length, content_type, filename=None, content_length=None):
    """Return an anonymous file beside the models for a multipart upload to be written to as it arrives (the web
    layer's stream factory): never memory, and never /tmp, which may be a RAM disk too small for a model."""
    base = models_dir()
    if base is not None:
        base.mkdir(mode=0o750, parents=True, exist_ok=True)
    return tempfile.TemporaryFile("wb+", dir=base)


def _archive_error(error, limits):
    message = _ARCHIVE_ERRORS.get(error.code, _ARCHIVE_ERRORS["damaged"])
    params = {"name": error.name, **error.params}
    if error.code == "large":
        params["max"] = limits.max_unpacked_bytes // MB
    elif error.code == "files":
        params["max"] = limits.max_files
    return ValidationError({"file": (message, params)})


def _receive(stream, target, limits):
    """Copy the upload to ``target`` in chunks (never whole in memory); return its sha256, or raise."""
    digest, written = hashlib.sha256(), 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "wb") as out:
        while chunk := stream.read(model_archive.CHUNK):
            written += len(chunk)
            if written > limits.max_upload_bytes:
                raise ValidationError({"file": (N_("The file is larger than %(max)d MB."),
                                                {"max": limits.max_upload_bytes // MB})})
            digest.update(chunk)
            out.write(chunk)
    if not written:
        raise ValidationError({"file": (N_("Choose a model archive (.zip or .tar.gz)."), {})})
    return digest.hexdigest()


@contextlib.contextmanager
def _install_lock(base):
    with open(base / ".lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise ValidationError({"file": (N_("Another speech model is being installed; try again in a moment."),
                                            {})}) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(new, old):
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE); False where the kernel or file system
    lacks it."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except AttributeError:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(old), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(old))


def _swap_in(new, destination, retired):
    """Put the folder ``new`` at ``destination``; the old model (if any) ends at ``retired``."""
    if not destination.exists():
        os.rename(new, destination)
    elif _exchange(new, destination):
        os.rename(new, retired)  # ``new`` now names the old model
    else:  # two renames: a call starting between them finds no model and takes the fallback
        os.rename(destination, retired)
        os.rename(new, destination)


def install(conf, language, filename, stream, actor):
    """Install (or replace) the speech model of ``language`` from an uploaded archive ``stream``; return the
    SpeechModel. Raise ValidationError on "language" or "file" (too large, not a safe archive, not a Vosk model,
    does not load) with nothing changed; also on "file" when there is no phone system to keep it for."""
    limits = Settings.of(conf)
    if language not in bots.LANGUAGES:
        raise ValidationError({"language": (N_("Choose a language."), {})})
    if stream is None:
        raise ValidationError({"file": (N_("Choose a model archive (.zip or .tar.gz)."), {})})
    base = models_dir()
    if base is None:
        raise ValidationError({"file": (N_("Speech models can be kept only when the phone system is set up."), {})})
    base.mkdir(mode=0o750, parents=True, exist_ok=True)
    destination = base / language
    with _install_lock(base):
        clean_staging(0)
        staging = Path(_make_staging(base, language))
        try:
            archive = staging / "upload"
            sha256 = _receive(stream, archive, limits)
            bounds = model_archive.Limits(limits.max_unpacked_bytes, limits.max_files)
            try:
                found = model_archive.members(archive, bounds)
                if shutil.disk_usage(base).free < model_archive.unpacked_size(found) + DISK_MARGIN:
                    raise ValidationError({"file": (N_("There is not enough free disk space for this model."), {})})
                unpacked = staging / "unpacked"
                unpacked.mkdir(mode=0o750)
                root = model_archive.extract(archive, unpacked, bounds)
                archive.unlink()
                missing = model_archive.missing_parts(root)
                if missing:
                    raise ValidationError({"file": (N_("This is not a Vosk speech model: %(missing)s is missing "
                                                       "(the archive should hold one folder with am/, conf/ and "
                                                       "graph/)."), {"missing": missing})})
                seconds = model_archive.load_check(root, limits.load_seconds)
            except model_archive.ArchiveError as error:
                raise _archive_error(error, limits) from error
            before = _info(destination) if destination.is_dir() else None
            name = "".join(char for char in (filename or "") if char.isprintable())[:200]
            info = {"language": language, "archive": name, "sha256": sha256,
                    "size": _folder_size(root), "loaded": True, "load_seconds": seconds,
                    "installed_at": datetime.datetime.now(datetime.UTC).replace(tzinfo=None).isoformat(
                        timespec="seconds"),
                    "installed_by": actor.username}
            (root / INFO_FILE).write_text(json.dumps(info))
            os.chmod(root, 0o750)
            with database.atomic():
                audit.record(actor, "speech_model.replace" if before is not None else "speech_model.install",
                             "speech_model", language, language, before=before or {}, after=info)
                _swap_in(root, destination, staging / "retired")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    log.info("speech model %s installed from %s (%d bytes, loaded in %.1f s)", language, info["archive"],
             info["size"], seconds)
    return describe(language)


def _make_staging(base, language):
    return tempfile.mkdtemp(prefix=f".staging-{language}-", dir=base)


def delete(language, actor):
    """Remove the speech model of ``language``. Refused (ValidationError on "language", naming them) while bots
    of that language would be left without a recogniser; English falls back to the built-in one."""
    check_language(language)
    base = models_dir()
    destination = base / language if base is not None else None
    if destination is None or not destination.is_dir():
        raise NotFound(N_("No speech model for this language is installed."))
    bot_names, _ = users_of(language)
    if bot_names and language not in BUILT_IN:
        raise ValidationError({"language": (N_("VoiceBots in this language use this model: %(names)s. Change their "
                                               "language or delete them first."), {"names": ", ".join(bot_names)})})
    with _install_lock(base):
        retired = Path(_make_staging(base, language)) / "retired"
        with database.atomic():
            audit.record(actor, "speech_model.delete", "speech_model", language, language,
                         before=_info(destination))
            os.rename(destination, retired)
        shutil.rmtree(retired.parent, ignore_errors=True)


def clean_staging(older_than=3600):
    """Remove staging folders an interrupted install left behind (older than ``older_than`` seconds; an install
    holding the lock passes 0: no other is under way); return how many."""
    base = models_dir()
    if base is None or not base.is_dir():
        return 0
    removed = 0
    for entry in base.glob(".staging-*"):
        if entry.is_dir() and time.time() - entry.stat().st_mtime >= older_than:
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed
