"""The TLS folder nginx serves from (TLS_DIR): cert.pem (leaf + chain) and key.pem, written atomically.

The one writer of that folder for the web app (a replacement, a new self-signed pair, a restored
backup) — decision 051. Each file goes to a temporary file in the same folder, is flushed to disk and
renamed over the old one, so nginx (or a power cut) never meets half a file. The pair in place
before is kept as ``*.pem.previous`` (hard links: cert.pem never disappears meanwhile), so the reload
script can put it back when ``nginx -t`` refuses the new one. ``key.pem`` is renamed first and
``cert.pem`` last: the systemd path unit watching cert.pem then finds a matching pair.

Modes: key 0640 and cert 0644, both in the folder's group (the role makes the folder setgid with
nginx's group), so nginx reads them and nobody else reads the key. Nothing here logs a key.
"""
import os
from pathlib import Path

CERT = "cert.pem"
KEY = "key.pem"
PREVIOUS = ".previous"
#: Written by the reload script (as root) when nginx refused a pair and the previous one was put back.
RELOAD_FAILED = "reload-failed"
KEY_MODE = 0o640
CERT_MODE = 0o644


def folder(conf):
    """Return the TLS folder of these settings (TLS_DIR), or None when it is not set."""
    value = conf.get("TLS_DIR") or ""
    return Path(value) if value else None


def read_pair(directory):
    """Return ``(cert bytes, key bytes)`` in ``directory``, or None unless both are there and readable."""
    try:
        return (Path(directory) / CERT).read_bytes(), (Path(directory) / KEY).read_bytes()
    except OSError:
        return None


def read_cert(directory):
    """Return the bytes of cert.pem in ``directory``, or None."""
    try:
        return (Path(directory) / CERT).read_bytes()
    except OSError:
        return None


def reload_failure(directory):
    """Return what the reload script wrote when nginx refused the last pair (text), or ""."""
    try:
        return (Path(directory) / RELOAD_FAILED).read_text(errors="replace")[:4000]
    except OSError:
        return ""


def _temporary(directory, name, data, mode):
    path = directory / f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        group = directory.stat().st_gid
        if os.fstat(handle).st_gid != group:  # a folder without setgid: join its group if this user may
            try:
                os.fchown(handle, -1, group)
            except PermissionError:
                pass
        os.fchmod(handle, mode)  # after the group: the umask (0077 for the web app) would have taken group read
        os.write(handle, data)
        os.fsync(handle)
    except BaseException:
        os.close(handle)
        path.unlink(missing_ok=True)
        raise
    os.close(handle)
    return path


def _keep_previous(directory, name):
    current = directory / name
    if not current.is_file():
        return
    link = directory / f".{name}{PREVIOUS}.tmp"
    link.unlink(missing_ok=True)
    os.link(current, link)
    os.replace(link, directory / f"{name}{PREVIOUS}")


def write_pair(directory, cert_pem, key_pem):
    """Write ``cert_pem`` and ``key_pem`` (bytes, already checked) into ``directory`` atomically.

    The pair there before becomes cert.pem.previous / key.pem.previous. Raise OSError when the folder
    cannot be written; then cert.pem and key.pem are as they were.
    """
    directory = Path(directory)
    directory.mkdir(mode=0o750, parents=True, exist_ok=True)
    temporaries = []
    try:
        temporaries.append(_temporary(directory, KEY, key_pem, KEY_MODE))
        temporaries.append(_temporary(directory, CERT, cert_pem, CERT_MODE))
        for name in (KEY, CERT):
            _keep_previous(directory, name)
        os.replace(temporaries[0], directory / KEY)
        os.replace(temporaries[1], directory / CERT)  # last: the path unit reloads nginx on this one
    finally:
        for path in temporaries:
            path.unlink(missing_ok=True)
    (directory / RELOAD_FAILED).unlink(missing_ok=True)  # a new pair: the last refusal is history
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)  # the renames themselves on disk
    finally:
        os.close(descriptor)
