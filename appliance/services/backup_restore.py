"""Restoring an encrypted backup (services/backups.py makes them): check everything, then replace.

Order: decrypt into a private staging folder (a wrong passphrase or an altered byte stops here),
unpack only the names a backup holds (regular files and folders, no links, nothing outside), open the
database copy (integrity check, a schema no newer than this code's). Only then: the database is copied
into the live one with SQLite's backup API (every process's connections see the restored rows),
migrated forward, the folders and VAR_DIR files are swapped in, the TLS pair is written back (through
tls_files: nginx reloads), and the engine is resynchronised.
"""
import logging
import secrets
import shutil
import sqlite3
import tarfile
from pathlib import Path

from appliance import backup_crypto, migrations, tls_files
from appliance.db import database
from appliance.errors import ValidationError
from appliance.i18n import N_
from appliance.services import audit, engine_sync, tls_certificate
from appliance.services.backups import FOLDERS, TLS_FILES, VAR_FILES, _folder, _sqlite_path

_TOP = {"db", "var", "tls", *FOLDERS.values()}
log = logging.getLogger(__name__)


def _damaged():
    return ValidationError.one("file", N_("This file is not a Centralina backup, or it is damaged or incomplete."))


def _check_members(archive):
    members = []
    for member in archive.getmembers():
        parts = Path(member.name).parts
        if (not parts or member.name.startswith("/") or ".." in parts or parts[0] not in _TOP
                or not (member.isfile() or member.isdir())):
            raise _damaged()
        if parts[0] == "var" and (len(parts) != 2 or parts[1] not in VAR_FILES):
            raise _damaged()
        if parts[0] == "tls" and (len(parts) != 2 or parts[1] not in TLS_FILES):
            raise _damaged()
        members.append(member)
    return members


def _check_database(path):
    if not path.is_file():
        raise _damaged()
    try:
        handle = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = handle.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            version = handle.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] or 0
        finally:
            handle.close()
    except sqlite3.DatabaseError as exc:
        raise _damaged() from exc
    if not ok:
        raise _damaged()
    if version > migrations.head():
        raise ValidationError.one("file", N_("This backup comes from a newer version of Centralina; update this "
                                             "box first."))


def _check_tls(folder):
    """A backup's TLS pair is both files, and a key that belongs to the certificate (dates are not judged)."""
    present = [(folder / name).is_file() for name in TLS_FILES]
    if any(present) and not (all(present) and tls_certificate.check_restorable(
            *((folder / name).read_bytes() for name in TLS_FILES))):
        raise _damaged()


def _restore_tls(conf, folder):
    target = tls_files.folder(conf)
    if target is None or not (folder / tls_files.CERT).is_file():
        return False
    try:
        tls_files.write_pair(target, (folder / tls_files.CERT).read_bytes(), (folder / tls_files.KEY).read_bytes())
    except OSError as exc:  # a developer's box without the appliance's folder: the rest is restored
        log.warning("the backup's TLS certificate was not restored into %s: %s", target, exc.strerror)
        return False
    return True


def _swap_in(source, target):
    """Replace folder ``target`` by a copy of ``source`` (copied beside it first, then renamed over)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name(f".{target.name}.restoring")
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    shutil.copytree(source, fresh)
    if target.exists():
        target.rename(old)
    fresh.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def restore(conf, upload, passphrase, actor):
    """Restore the backup read from the binary file ``upload``; return the names of what was restored.

    Raise ValidationError (field ``passphrase`` or ``file``) and change nothing when it cannot be.
    """
    _sqlite_path(conf)  # PostgreSQL: refused before anything is read
    staging = Path(conf["VAR_DIR"]) / f"restore-{secrets.token_hex(4)}"
    staging.mkdir(mode=0o700)
    try:
        plain = staging / "backup.tar"
        with open(plain, "wb") as out:
            try:
                backup_crypto.decrypt(upload, out, passphrase or "")
            except backup_crypto.WrongPassphrase as exc:
                raise ValidationError.one("passphrase", N_("This passphrase does not open this backup.")) from exc
            except backup_crypto.BackupFileError as exc:
                raise _damaged() from exc
        tree = staging / "tree"
        try:
            with tarfile.open(plain, mode="r:") as archive:
                members = _check_members(archive)
                archive.extractall(tree, members=members, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise _damaged() from exc
        _check_database(tree / "db" / "centralina.db")
        _check_tls(tree / "tls")
        return _apply(conf, tree, actor)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _apply(conf, tree, actor):
    restored = ["database"]
    source = sqlite3.connect(tree / "db" / "centralina.db")
    try:
        source.backup(database.connection())  # into the live file: every connection sees the restored rows
    finally:
        source.close()
    migrations.upgrade(database.obj)
    for name in VAR_FILES:
        path = tree / "var" / name
        if path.is_file():
            shutil.copyfile(path, Path(conf["VAR_DIR"]) / name)
            restored.append(name)
    for flag, name in FOLDERS.items():
        folder = _folder(flag, conf)
        if (tree / name).is_dir() and folder is not None:
            _swap_in(tree / name, folder)
            restored.append(name)
    if _restore_tls(conf, tree / "tls"):
        restored.append("certificates")
    with database.atomic():
        audit.record(actor, "backup.restore", "backup", "", "", after={"restored": restored})
        engine_sync.request(None, files=True)
    return restored
