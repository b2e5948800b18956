"""Off-box backup targets (decision 049): the settings, the connection test, uploads and their retention,
the daemon's retries, and restoring a backup listed on the target.

Every backup is made in the local folder first (services/backups.py), then uploaded; a failed upload
keeps the local copy, is recorded (the page's last error, an audit entry and an e-mail to the
admins, once per run of failures) and the daemon's next run uploads whatever the target lacks.
Retention applies on the target with the local rules and touches only names matching
``backups.NAME_RE``. The SFTP server's host key is pinned by the first successful test and a
different key afterwards stops every transfer until an admin forgets the trusted one.
"""
import datetime
import ipaddress
import json
import logging
import os
import re
import secrets
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from appliance import backup_remote
from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_, translations
from appliance.models.backups import BackupTarget
from appliance.models.users import User, utcnow
from appliance.services import Actor, audit, backup_restore, backups, mail

log = logging.getLogger(__name__)
KINDS = ("local", "sftp", "s3")
SFTP_AUTHS = ("password", "key")
_HOST = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
                   r"[A-Za-z0-9])?)*\.?")
_USERNAME = re.compile(r"[A-Za-z0-9._@+-]{1,64}")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_REGION = re.compile(r"[a-z0-9-]{0,32}")
_ACCESS_KEY = re.compile(r"[\x21-\x7e]{1,128}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class TargetInput:
    """The target form; empty secrets keep the stored ones."""

    kind: str = "local"
    sftp_host: str = ""
    sftp_port: int | None = 22
    sftp_username: str = ""
    sftp_auth: str = "password"
    sftp_password: str = ""
    sftp_folder: str = ""
    forget_host_key: bool = False
    s3_endpoint: str = ""
    s3_region: str = ""
    s3_bucket: str = ""
    s3_prefix: str = ""
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_path_style: bool = False


def find_target():
    """Return the target row (a default "local" one, unsaved, when never saved)."""
    return BackupTarget.get_or_none(BackupTarget.id == 1) or BackupTarget(id=1)


def is_remote(row):
    """Whether backups go off the box."""
    return row.kind in ("sftp", "s3")


def host_key_fingerprint(row):
    """Return the SHA-256 fingerprint of the pinned host key, or ""."""
    return backup_remote.fingerprint(row.sftp_host_key) if row.sftp_host_key else ""


def _valid_host(value):
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return bool(_HOST.fullmatch(value))


def _valid_endpoint(value):
    try:
        url = urllib.parse.urlsplit(value)
        url.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return False
    return (url.scheme in ("http", "https") and bool(url.hostname) and _valid_host(url.hostname)
            and not url.query and not url.fragment and not url.username and url.path in ("", "/"))


def _validate(data, row):
    errors = {}
    if data.kind not in KINDS:
        errors["kind"] = (N_("Choose where backups go."), {})
    if data.kind == "sftp":
        if not _valid_host(data.sftp_host):
            errors["sftp_host"] = (N_("Enter a server name or IP address."), {})
        if data.sftp_port is None or not 1 <= data.sftp_port <= 65535:
            errors["sftp_port"] = (N_("Enter a number between %(low)d and %(high)d."), {"low": 1, "high": 65535})
        if not _USERNAME.fullmatch(data.sftp_username):
            errors["sftp_username"] = (N_("Enter a username (letters, digits and . _ @ + -)."), {})
        if data.sftp_auth not in SFTP_AUTHS:
            errors["sftp_auth"] = (N_("Choose how the box logs in."), {})
        elif data.sftp_auth == "password" and not (data.sftp_password or row.sftp_password):
            errors["sftp_password"] = (N_("Enter the password."), {})
        if len(data.sftp_password) > 256 or _CONTROL.search(data.sftp_password):
            errors["sftp_password"] = (N_("The password is too long or has control characters."), {})
        if len(data.sftp_folder) > 255 or _CONTROL.search(data.sftp_folder):
            errors["sftp_folder"] = (N_("Enter a folder path (at most 255 characters, no control characters)."), {})
    if data.kind == "s3":
        if data.s3_endpoint and not _valid_endpoint(data.s3_endpoint):
            errors["s3_endpoint"] = (N_("Enter an http:// or https:// address (empty: Amazon S3)."), {})
        if not _REGION.fullmatch(data.s3_region):
            errors["s3_region"] = (N_("Enter a region such as us-east-1 (lowercase letters, digits, -)."), {})
        if not _BUCKET.fullmatch(data.s3_bucket):
            errors["s3_bucket"] = (N_("Enter a bucket name (3 to 63 lowercase letters, digits, . and -)."), {})
        if len(data.s3_prefix) > 200 or _CONTROL.search(data.s3_prefix) or "\\" in data.s3_prefix:
            errors["s3_prefix"] = (N_("Enter a key prefix (at most 200 characters, no control characters)."), {})
        if not _ACCESS_KEY.fullmatch(data.s3_access_key):
            errors["s3_access_key"] = (N_("Enter the access key id."), {})
        if not (data.s3_secret_key or row.s3_secret_key):
            errors["s3_secret_key"] = (N_("Enter the secret key."), {})
        elif len(data.s3_secret_key) > 256 or _CONTROL.search(data.s3_secret_key):
            errors["s3_secret_key"] = (N_("The secret key is too long or has control characters."), {})
    if errors:
        raise ValidationError(errors)


def save_target(data, actor):
    """Validate and store the target; an empty secret keeps the stored one. Return the row.

    A new SFTP server (host or port) or ``forget_host_key`` drops the pinned host key: the next test pins
    the key it sees. Choosing key login generates the box's key pair once; its public half is shown.
    """
    row = find_target()
    _validate(data, row)
    with database.atomic():
        row = find_target()
        exists = BackupTarget.select().where(BackupTarget.id == 1).exists()
        before = row.public_fields() if exists else {}
        if (data.sftp_host, data.sftp_port) != (row.sftp_host, row.sftp_port) or data.forget_host_key:
            row.sftp_host_key = ""
        for name in ("kind", "sftp_host", "sftp_port", "sftp_username", "sftp_auth", "sftp_folder", "s3_endpoint",
                     "s3_region", "s3_bucket", "s3_prefix", "s3_access_key", "s3_path_style"):
            setattr(row, name, getattr(data, name))
        if row.sftp_port is None:
            row.sftp_port = 22
        row.s3_endpoint = row.s3_endpoint.rstrip("/")
        for name in ("sftp_password", "s3_secret_key"):
            if getattr(data, name):
                setattr(row, name, getattr(data, name))
        if row.kind == "sftp" and row.sftp_auth == "key" and not row.sftp_private_key:
            row.sftp_private_key, row.sftp_public_key = backup_remote.new_key_pair()
        row.updated_at = utcnow()
        row.save(force_insert=not exists)
        after = row.public_fields()
        for name in ("sftp_password", "s3_secret_key"):
            if getattr(data, name):
                after[f"{name}_changed"] = True
        audit.record(actor, "backup.target", "backup", 1, "", before=before, after=after)
    return row


def store_for(row):
    """Return the backup_remote store of the target ``row`` (not yet opened)."""
    if row.kind == "sftp":
        key_login = row.sftp_auth == "key"
        return backup_remote.SftpStore(row.sftp_host, row.sftp_port, row.sftp_username, row.sftp_folder,
                                       password="" if key_login else row.sftp_password,
                                       private_key=row.sftp_private_key if key_login else "",
                                       host_key=row.sftp_host_key)
    return backup_remote.S3Store(row.s3_endpoint, row.s3_region, row.s3_bucket, row.s3_prefix, row.s3_access_key,
                                 row.s3_secret_key, row.s3_path_style)


def _remote_row():
    row = find_target()
    if not is_remote(row):
        raise NotFound(N_("Backups are kept on this box only: there is no target to reach."))
    return row


def test_target(actor):
    """Write, read back and delete a probe file on the target; pin the SFTP host key the first time.

    Return ``{"host_key_fingerprint": …, "pinned_now": bool}``; raise StoreError (translated reason).
    """
    row = _remote_row()
    store = store_for(row)
    with store:
        store.probe()
    pinned_now = row.kind == "sftp" and not row.sftp_host_key
    if pinned_now:
        with database.atomic():
            BackupTarget.update(sftp_host_key=store.seen_host_key).where(BackupTarget.id == 1).execute()
            audit.record(actor, "backup.target_host_key", "backup", 1, "",
                         after={"fingerprint": backup_remote.fingerprint(store.seen_host_key)})
    seen = backup_remote.fingerprint(store.seen_host_key) if row.kind == "sftp" else ""
    return {"host_key_fingerprint": seen, "pinned_now": pinned_now}


def _opened(row):
    if row.kind == "sftp" and not row.sftp_host_key:
        raise backup_remote.StoreError(N_("Test the connection first: it shows the server's host key and trusts it."))
    return store_for(row)


def _made_at(name):
    """The UTC time a backup's name records (names come from backups.create_backup)."""
    return datetime.datetime.strptime(name[len("centralina-"):len("centralina-") + 15], "%Y%m%d-%H%M%S").replace(
        tzinfo=datetime.UTC)


def _newest_first(sizes):
    rows = [(name, size, _made_at(name)) for name, size in sizes.items()]
    return sorted(rows, key=lambda row: (row[2], row[0]), reverse=True)


def list_remote():
    """Return ``[(name, size, made UTC datetime)]`` of our backups on the target, newest first."""
    row = _remote_row()
    with _opened(row) as store:
        return _newest_first(store.names(backups.NAME_RE))


def _prune_remote(store, settings, now):
    removed = []
    for index, (name, _size, made) in enumerate(_newest_first(store.names(backups.NAME_RE))):
        too_many = index >= settings.keep_count
        too_old = settings.keep_days and now - made > datetime.timedelta(days=settings.keep_days)
        if index > 0 and (too_many or too_old):
            store.delete(name)
            removed.append(name)
    return removed


def sync(conf, now=None):
    """Upload every local backup the target lacks (oldest first), then apply retention there.

    Return the names uploaded. On failure record it (page, audit, mail on the first failure of a run)
    and raise StoreError; the local copies stay and the daemon's next run tries again.
    """
    row = find_target()
    if not is_remote(row):
        return []
    settings = backups.find_settings()
    now = now or datetime.datetime.now(datetime.UTC)
    uploaded = []
    try:
        with _opened(row) as store:
            there = store.names(backups.NAME_RE)
            for name, _size, _made in reversed(backups.list_backups(conf)):
                if name not in there:
                    store.put(backups.backup_dir(conf) / name, name)
                    uploaded.append(name)
            removed = _prune_remote(store, settings, now) if settings else []
    except backup_remote.StoreError as error:
        _record_failure(row, error, uploaded)
        raise
    with database.atomic():
        BackupTarget.update(upload_pending=False, last_upload_error="", last_upload_at=utcnow()).where(
            BackupTarget.id == 1).execute()
        if uploaded or removed or row.last_upload_error:
            audit.record(Actor.system("daemon"), "backup.upload", "backup", 1, row.kind,
                         after={"uploaded": uploaded, "removed": removed})
    return uploaded


def upload_error(row):
    """Return the last upload failure as ``(message, params)`` for translation, or None."""
    if not row.last_upload_error:
        return None
    try:
        message, params = json.loads(row.last_upload_error)
    except (ValueError, TypeError):
        return row.last_upload_error, {}
    return message, params


def _record_failure(row, error, uploaded):
    message = json.dumps([error.message, error.params])[:500]  # translated when shown (upload_error)
    first = not row.upload_pending
    with database.atomic():
        BackupTarget.update(upload_pending=True, last_upload_error=message).where(BackupTarget.id == 1).execute()
        if first:
            audit.record(Actor.system("daemon"), "backup.upload_failed", "backup", 1, row.kind,
                         after={"error": str(error), "uploaded": uploaded})
    log.warning("backup upload to the %s target failed: %s", row.kind, error)
    if first:
        _mail_admins(error)


def _mail_admins(error):
    if not mail.is_configured():
        return
    admins = User.select().where((User.role == "admin") & User.active & (User.email != ""))
    for admin in admins:
        catalog = translations(admin.language)
        reason = catalog.gettext(error.message) % error.params if error.params else catalog.gettext(error.message)
        subject = catalog.gettext(N_("A backup could not be sent to its target"))
        body = catalog.gettext(N_("The phone system made its backup but could not upload it: %(reason)s The copy "
                                  "on the box is kept and the upload is tried again every few minutes.")) % {
            "reason": reason}
        try:
            mail.send(mail.new_message(admin.email, subject, body))
        except mail.MailError as exc:
            log.warning("backup upload alert to %s not sent: %s", admin.email, exc)


def back_up_now(conf, actor, now=None):
    """Make a backup, apply local retention and upload it. Return ``(path, upload StoreError or None)``."""
    path = backups.create_backup(conf, actor, now)
    backups.prune(conf)
    try:
        sync(conf)
    except backup_remote.StoreError as error:
        return path, error
    return path, None


def run_due(conf, now=None):
    """The daemon's job: the day's backup when due (services/backups.py), then any upload the target lacks."""
    path = backups.run_due(conf, now)
    row = find_target()
    if is_remote(row) and (path is not None or row.upload_pending):
        try:
            sync(conf)
        except backup_remote.StoreError:
            pass  # recorded; tried again at the next run
    return path


def restore_remote(conf, name, passphrase, actor):
    """Download the backup ``name`` from the target to a private staging file and restore it (checked first).

    Raise NotFound for a name that is not one of our backups there, StoreError when the target fails,
    ValidationError (passphrase/file) from the restore; nothing changes in any of these cases.
    """
    if not backups.NAME_RE.fullmatch(name or ""):
        raise NotFound(N_("There is no such backup."))
    row = _remote_row()
    staging = Path(conf["VAR_DIR"]) / f"restore-download-{secrets.token_hex(4)}.cbk"
    try:
        with _opened(row) as store:
            if name not in store.names(backups.NAME_RE):
                raise NotFound(N_("There is no such backup."))
            fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "wb") as out:
                store.get(name, out)
        with open(staging, "rb") as upload:
            restored = backup_restore.restore(conf, upload, passphrase, actor)
    finally:
        staging.unlink(missing_ok=True)
    with database.atomic():
        audit.record(actor, "backup.restore_remote", "backup", name, name, after={"restored": restored})
    return restored
