"""File modes of what the appliance keeps: VAR_DIR private to its owner, the engine's files shared with Asterisk.

VAR_DIR holds the database (SIP passwords, phone admin passwords, provisioning
tokens, voicemail PINs, the SMTP password), the session key and the AMI secrets:
it is 0700 and every file in it 0600, whoever creates it. Every entry point (the
``centralina`` command, both web apps, the tests) calls ``private_umask()`` first,
so a file nobody thought about is private too, and ``secure_var_dir()`` brings an
older installation's folder into line at start-up.

The engine's instance folder is the one place the app and Asterisk share: its
folders are setgid to Asterisk's group, so whatever either side creates there
belongs to that group, and the few files both sides write are created group-writable
explicitly (``create_shared``), whatever the creator's umask.
"""
import os
import tempfile
from pathlib import Path

#: The app's processes create files for their owner only.
PRIVATE_UMASK = 0o077
#: Asterisk creates files its group (the app's processes are members) may read and write.
ENGINE_UMASK = 0o007
#: Folders of the instance: owner and group, setgid so new files join the group.
SHARED_DIR_MODE = 0o2770
SHARED_FILE_MODE = 0o660


def private_umask():
    """Make every file this process creates private to its owner; return the previous umask."""
    return os.umask(PRIVATE_UMASK)


def secure_var_dir(var_dir, owner=None):
    """Make ``var_dir`` 0700 with every folder 0700 and file 0600, owned by ``owner`` ((uid, gid)) if given.

    Entries this process may not change (another user's, without root) are left as they are:
    the supervisor, run as root, fixes everything at start-up.
    """
    var_dir = Path(var_dir)
    var_dir.mkdir(parents=True, exist_ok=True)
    _fix(var_dir, 0o700, owner)
    for folder, dirs, files in os.walk(var_dir):
        for name in dirs:
            _fix(Path(folder) / name, 0o700, owner)
        for name in files:
            _fix(Path(folder) / name, 0o600, owner)


def share_tree(top, owner=None):
    """Give Asterisk's group the owner's access to everything under ``top`` and others none.

    Folders become setgid ``SHARED_DIR_MODE``; a file's group bits become its owner's
    bits (a config file Asterisk only reads stays read-only for it). With ``owner``
    ((uid, gid), needs root) everything is handed to that account as well.
    """
    top = Path(top)
    _fix(top, SHARED_DIR_MODE, owner)
    for folder, dirs, files in os.walk(top):
        for name in dirs:
            _fix(Path(folder) / name, SHARED_DIR_MODE, owner)
        for name in files:
            path = Path(folder) / name
            try:
                mode = path.lstat().st_mode
            except FileNotFoundError:
                continue  # removed while we walked (a rotated log, a journal)
            if path.is_symlink() or not path.is_file():
                continue  # the control socket: Asterisk sets its own mode (asterisk.conf)
            user = mode & 0o700
            _fix(path, user | (user >> 3), owner)


def share_dir(path, owner=None):
    """Make the folder ``path`` setgid ``SHARED_DIR_MODE`` (and ``owner``'s, with root); its contents stay."""
    _fix(Path(path), SHARED_DIR_MODE, owner)


def create_shared(path, mode=SHARED_FILE_MODE):
    """Create ``path`` empty with exactly ``mode`` unless it exists (the umask does not apply); return it.

    For files the app and Asterisk both write (the realtime database, the call-record
    database, the apply locks): SQLite gives a database's -wal and -shm files the
    database file's own mode, so creating it right is enough.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return path
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
    return path


def persistent_secret(path, make):
    """Return the secret stored at ``path``, creating it from ``make()`` on first use (0600, like mkstemp's).

    Written aside and linked into place: processes starting together (web workers, the daemon)
    all read the one secret that won, never half of one.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(make() + "\n")
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def _fix(path, mode, owner):
    try:
        if owner is not None:
            os.chown(path, *owner, follow_symlinks=False)
        if path.is_symlink():
            return
        if (path.stat().st_mode & 0o7777) != mode:
            os.chmod(path, mode)
    except FileNotFoundError:
        pass
    except PermissionError:
        pass  # not ours and not root: whoever owns it keeps its mode
