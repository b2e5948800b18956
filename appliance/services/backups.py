"""Encrypted backups: the key, making one (on demand, daily by the daemon), retention, and restore.

A backup is a tar, encrypted by appliance/backup_crypto.py, of: the database (SQLite's online
backup API: a consistent copy while the box keeps running), VAR_DIR's secret key and site settings,
the web server's TLS certificate and key (TLS_DIR, decision 051), and optionally voicemail, prompts
and call recordings. Restore decrypts and checks everything into a staging folder first (passphrase,
integrity, file names, the database's own integrity and schema version); only then is anything
replaced, so a wrong passphrase or a damaged file changes nothing.
"""
import base64
import datetime
import re
import sqlite3
import tarfile
import tempfile
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from appliance import backup_crypto, migrations, tls_files
from appliance.db import database
from appliance.errors import DomainError, NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.backups import BackupSettings
from appliance.models.users import utcnow
from appliance.services import audit, prompts, recordings, voicemail

MIN_PASSPHRASE = 12
NAME_RE = re.compile(r"centralina-\d{8}-\d{6}(-\d+)?\.cbk")
#: What VAR_DIR contributes besides the database: the session key and the site settings.
VAR_FILES = ("secret_key", "site.json")
#: The TLS folder's pair, under "tls/" in the archive (restored through tls_files' atomic writer).
TLS_FILES = (tls_files.CERT, tls_files.KEY)
#: Optional folders: setting flag -> (name in the archive, where it lives on this box).
FOLDERS = {"include_voicemail": "voicemail", "include_prompts": "prompts", "include_recordings": "recordings"}


class BackupError(DomainError):
    """A backup could not be made."""


@dataclass
class BackupSettingsInput:
    """The backup page's form; an empty passphrase keeps the key."""

    passphrase: str = ""
    confirm_passphrase: str = ""
    include_voicemail: bool = True
    include_recordings: bool = False
    include_prompts: bool = True
    enabled: bool = True
    hour: int | None = 3
    keep_count: int | None = 7
    keep_days: int | None = 30


def find_settings():
    """Return the backup settings, or None when never saved."""
    return BackupSettings.get_or_none(BackupSettings.id == 1)


def backup_dir(conf):
    """Return the folder backups are written to (BACKUP_DIR, else VAR_DIR/backups), created."""
    folder = Path(conf.get("BACKUP_DIR") or Path(conf["VAR_DIR"]) / "backups")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save_settings(data, actor):
    """Validate and store the settings; a passphrase given replaces the key (older backups keep theirs)."""
    errors = {}
    if data.passphrase or data.confirm_passphrase:
        if len(data.passphrase) < MIN_PASSPHRASE:
            errors["passphrase"] = (N_("The passphrase must have at least %(min)d characters."),
                                    {"min": MIN_PASSPHRASE})
        elif data.passphrase != data.confirm_passphrase:
            errors["confirm_passphrase"] = (N_("The passphrases do not match."), {})
    elif not (find_settings() and find_settings().recipient):
        errors["passphrase"] = (N_("Choose the passphrase backups are encrypted for."), {})
    if data.hour is None or not 0 <= data.hour <= 23:
        errors["hour"] = (N_("Enter an hour between 0 and 23."), {})
    if data.keep_count is None or not 1 <= data.keep_count <= 365:
        errors["keep_count"] = (N_("Enter a number between %(low)d and %(high)d."), {"low": 1, "high": 365})
    if data.keep_days is None or not 0 <= data.keep_days <= 3650:
        errors["keep_days"] = (N_("Enter a number between %(low)d and %(high)d."), {"low": 0, "high": 3650})
    if errors:
        raise ValidationError(errors)
    key = backup_crypto.new_recipient(data.passphrase) if data.passphrase else None  # scrypt: outside the transaction
    with database.atomic():
        row = find_settings()
        exists = row is not None
        row = row or BackupSettings(id=1)
        before = row.public_fields() if exists else {}
        if key:
            row.recipient, row.salt = (base64.b64encode(part).decode() for part in key)
        for name in ("include_voicemail", "include_recordings", "include_prompts", "enabled", "hour",
                     "keep_count", "keep_days"):
            setattr(row, name, getattr(data, name))
        row.updated_at = utcnow()
        row.save(force_insert=not exists)
        after = {**row.public_fields(), **({"key_changed": True} if key else {})}
        audit.record(actor, "backup.settings", "backup", 1, "", before=before, after=after)
    return row


def _folder(flag, conf):
    if flag == "include_voicemail":
        return voicemail.spool_root()
    if flag == "include_prompts":
        return prompts.storage_dir()
    return recordings.store_dir(conf)


def _sqlite_path(conf):
    url = conf["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        raise BackupError(N_("Backups cover the built-in SQLite database only; back PostgreSQL up with its own tools."))
    return Path(url[len("sqlite:///"):])


def _unique_name(folder, now):
    base = f"centralina-{now:%Y%m%d-%H%M%S}"
    name, number = f"{base}.cbk", 1
    while (folder / name).exists():
        number += 1
        name = f"{base}-{number}.cbk"
    return name


def create_backup(conf, actor, now=None):
    """Make a backup now; return its path. Raise BackupError when there is no key or it fails."""
    row = find_settings()
    if row is None or not row.recipient:
        raise BackupError(N_("Set the backup passphrase first."))
    now = now or utcnow()
    folder = backup_dir(conf)
    target = folder / _unique_name(folder, now)
    partial = target.with_suffix(".partial")
    with tempfile.TemporaryDirectory(dir=folder) as work:
        copy = Path(work) / "centralina.db"
        source = sqlite3.connect(_sqlite_path(conf))
        try:
            with sqlite3.connect(copy) as destination:
                source.backup(destination)  # consistent, while the others keep writing
            destination.close()
        finally:
            source.close()
        meta = {"created": now.isoformat(timespec="seconds") + "Z", "schema": migrations.head()}
        with open(partial, "wb") as out:
            encryptor = backup_crypto.Encryptor(out, base64.b64decode(row.recipient), base64.b64decode(row.salt),
                                                meta)
            with tarfile.open(fileobj=encryptor, mode="w|") as archive:
                archive.add(copy, "db/centralina.db")
                for name in VAR_FILES:
                    path = Path(conf["VAR_DIR"]) / name
                    if path.is_file():
                        archive.add(path, f"var/{name}")
                tls_dir = tls_files.folder(conf)
                if tls_dir and tls_files.read_pair(tls_dir):
                    for name in TLS_FILES:
                        archive.add(tls_dir / name, f"tls/{name}")
                for flag, name in FOLDERS.items():
                    folder_path = _folder(flag, conf) if getattr(row, flag) else None
                    if folder_path is not None and Path(folder_path).is_dir():
                        archive.add(folder_path, name, filter=_regular_only)
            encryptor.close()
    partial.rename(target)
    with database.atomic():
        BackupSettings.update(last_backup_at=now, last_error="").where(BackupSettings.id == 1).execute()
        audit.record(actor, "backup.create", "backup", target.name, target.name)
    return target


def _regular_only(info):
    return info if info.isfile() or info.isdir() else None


def list_backups(conf):
    """Return ``[(name, size, modified UTC datetime)]`` of the backups kept, newest first."""
    rows = []
    for path in backup_dir(conf).iterdir():
        if NAME_RE.fullmatch(path.name) and path.is_file():
            stat = path.stat()
            rows.append((path.name, stat.st_size, datetime.datetime.fromtimestamp(stat.st_mtime, datetime.UTC)))
    return sorted(rows, key=lambda row: (row[2], row[0]), reverse=True)


def backup_path(conf, name):
    """Return the path of the backup ``name``; raise NotFound for a name that is not a kept backup."""
    path = backup_dir(conf) / name
    if not NAME_RE.fullmatch(name or "") or not path.is_file():
        raise NotFound(N_("There is no such backup."))
    return path


def prune(conf, now=None):
    """Apply retention: keep at most keep_count, none older than keep_days, always the newest. Return removed names."""
    row = find_settings()
    if row is None:
        return []
    now = now or datetime.datetime.now(datetime.UTC)
    removed = []
    for index, (name, _size, modified) in enumerate(list_backups(conf)):
        too_many = index >= row.keep_count
        too_old = row.keep_days and now - modified > datetime.timedelta(days=row.keep_days)
        if index > 0 and (too_many or too_old):
            (backup_dir(conf) / name).unlink(missing_ok=True)
            removed.append(name)
    return removed


def run_due(conf, now=None):
    """The daemon's job: once a day at the chosen local hour, make a backup and apply retention."""
    row = find_settings()
    if row is None or not row.enabled or not row.recipient:
        return None
    now = now or utcnow()
    zone = zoneinfo.ZoneInfo(conf["TIMEZONE"])
    local = now.replace(tzinfo=datetime.UTC).astimezone(zone)
    last = row.last_backup_at.replace(tzinfo=datetime.UTC).astimezone(zone) if row.last_backup_at else None
    if local.hour < row.hour or (last is not None and last.date() >= local.date()):
        return None
    from appliance.services import Actor
    try:
        path = create_backup(conf, Actor.system("daemon"), now)
    except (BackupError, OSError, sqlite3.Error) as exc:
        message = str(exc)[:500]
        BackupSettings.update(last_error=message, last_backup_at=now).where(BackupSettings.id == 1).execute()
        raise
    prune(conf)
    return path
