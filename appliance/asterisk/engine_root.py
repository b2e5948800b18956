"""Build and cache the engine root: a Debian sid filesystem carrying Asterisk 22.

Asterisk 22 ships only in Debian sid, and sid cannot be mixed with the host's
stable libc, so the engine runs from its own root filesystem (chroot) on
developer machines and CI. In the appliance image that root is ``/``.
"""
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from appliance.asterisk.confgen.asterisk import MODULES_DIR as ASTMODDIR

#: What the engine root holds; changing this list changes the cache key.
PACKAGES = (
    "asterisk",
    "asterisk-modules",
    "asterisk-core-sounds-en-gsm",
    "asterisk-moh-opsound-gsm",
    "sqlite3",
)
SUITE = "sid"
# The mirror's sid Release file is past its validity date (ARCHITECTURE.md).
MMDEBSTRAP_OPTIONS = (
    "--variant=apt",
    "--aptopt=Acquire::Check-Valid-Until \"false\"",
)
CACHE_DIR = Path(os.environ.get("CENTRALINA_ENGINE_CACHE", "/var/cache/centralina"))


def cache_key():
    """Return the short hash naming an engine root built from this package list."""
    text = "\n".join([SUITE, *MMDEBSTRAP_OPTIONS, *sorted(PACKAGES)])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def cached_root():
    """Return where the engine root for the current package list lives (built or not)."""
    return CACHE_DIR / f"engine-root-{cache_key()}"


def is_built(root):
    """Tell whether ``root`` holds a complete engine root."""
    return (Path(root) / "usr/sbin/asterisk").exists() and (Path(root) / ".centralina-built").exists()


def open_cache_dir():
    """Create the cache folder searchable by every account, and make it so if it is not; return it.

    The ``centralina`` command runs with a private umask (appliance/permissions.py), which made a
    fresh machine's cache folder 0700: Asterisk's own account and the app's users (decision 011)
    could then not reach the engine root inside it. Only its owner changes its mode.
    """
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    info = CACHE_DIR.stat()
    if info.st_mode & 0o755 != 0o755 and info.st_uid == os.geteuid():
        CACHE_DIR.chmod((info.st_mode & 0o7777) | 0o755)
    return CACHE_DIR


def build(force=False, log=print):
    """Build the engine root into the cache unless it is already there; return its path.

    The build goes to a temporary folder beside the cache and is renamed into
    place only when complete, so an interrupted build never looks finished.
    """
    root = cached_root()
    open_cache_dir()
    if is_built(root) and not force:
        return root
    if shutil.which("mmdebstrap") is None:
        raise RuntimeError("mmdebstrap is not installed (apt-get install mmdebstrap)")
    staging = Path(tempfile.mkdtemp(prefix=f"{root.name}.", dir=CACHE_DIR))
    log(f"building engine root {root} (Debian {SUITE}: {', '.join(PACKAGES)})")
    try:
        subprocess.run(
            ["mmdebstrap", *MMDEBSTRAP_OPTIONS, "--include=" + ",".join(PACKAGES), SUITE, str(staging)],
            check=True,
        )
        (staging / ".centralina-built").write_text(cache_key() + "\n")
        if root.exists():
            shutil.rmtree(root)
        staging.rename(root)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return root


def account(root, name):
    """Return ``(uid, gid)`` of user ``name`` in ``root``'s own /etc/passwd, or None when it has none.

    The ids are those inside the engine root: on a developer machine they may belong to
    another account of the host (decision 011), and files Asterisk owns carry them.
    """
    try:
        lines = (Path(root) / "etc" / "passwd").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split(":")
        if len(fields) >= 4 and fields[0] == name:
            return int(fields[2]), int(fields[3])
    return None


#: Where Debian's asterisk package keeps its modules, inside the root.
MODULES_DIR = ASTMODDIR.lstrip("/")
# "load = app_dial.so ; why" and the other keys of modules.conf that load a module.
_LOADED = re.compile(r"^\s*(?:load|preload|require|preload-require)\s*=>?\s*([\w.-]+)", re.MULTILINE)


def confine_modules(root, modules_conf):
    """Leave Asterisk's own user only the modules ``modules_conf`` (its text) loads; return how many were closed.

    Asterisk loads modules after dropping to its user, so a module file readable by root
    alone cannot be loaded, even on request: AMI's ModuleLoad (class ``system``, which the
    engine-control user needs for reloads) takes any file of the module folder, ``../``
    included, and app_system.so plus DialplanExtensionAdd would otherwise be a shell at the
    next call (decision 011). Listed modules are 0644 again, so a module added to the list
    becomes loadable at the next start.
    """
    wanted = set(_LOADED.findall(modules_conf))
    closed = 0
    for path in (Path(root) / MODULES_DIR).glob("*.so"):
        mode = 0o644 if path.name in wanted else 0o600
        if path.stat().st_mode & 0o777 != mode:
            os.chmod(path, mode)
        closed += mode == 0o600
    return closed
