"""The accounts the appliance's processes run as, and how the supervisor drops to them (decision 011).

Started by root, ``centralina run`` keeps root only for what needs it (starting
Asterisk in its chroot, which then drops to the engine root's ``asterisk``
account); web, provisioning and the daemon run as the unprivileged APP_USER.
That user is also a member, by number, of the engine's ``asterisk`` group: the
instance folder (config, realtime rows, call records, voicemail, logs) is shared
through that group.
"""
import os
import pwd
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

#: Capabilities a process keeps after the drop (as ambient capabilities, so the
#: programs it runs get them too). The daemon manages the firewall's block lists.
CAPABILITIES = {"daemon": ("net_admin",)}


class ProcessUserError(RuntimeError):
    """The process user is missing and could not be created."""


@dataclass(frozen=True)
class ProcessUser:
    """A host account a child process runs as."""

    name: str
    uid: int
    gid: int
    home: str
    #: Supplementary group ids (the engine's group).
    groups: tuple = ()


def ensure_app_user(name, engine_gid=None):
    """Return the ProcessUser ``name`` (creating the system account when it is missing; root only)."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        entry = _create(name)
    groups = (entry.pw_gid,) if engine_gid is None else (entry.pw_gid, engine_gid)
    return ProcessUser(name, entry.pw_uid, entry.pw_gid, entry.pw_dir, tuple(dict.fromkeys(groups)))


def _create(name):
    """Create the system account ``name``: its own group, no home, no login shell."""
    if shutil.which("useradd") is None:
        raise ProcessUserError(f"no user {name!r} and no useradd to create it")
    done = subprocess.run(["useradd", "--system", "--user-group", "--home-dir", "/nonexistent",
                           "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                          capture_output=True, text=True)
    if done.returncode not in (0, 9):  # 9: made meanwhile by a concurrent start
        raise ProcessUserError(f"cannot create user {name!r}: {done.stderr.strip()}")
    return pwd.getpwnam(name)


def as_user(command, user, capabilities=()):
    """Return ``command`` prefixed to run as ``user`` with only ``capabilities`` (names like ``net_admin``).

    util-linux setpriv changes the ids and groups, empties the bounding set but for
    ``capabilities``, raises those as ambient capabilities (kept across exec without
    file capabilities) and sets no_new_privs, so nothing the process runs can gain more.
    """
    caps = ",".join(["-all", *(f"+{cap}" for cap in capabilities)])
    prefix = ["setpriv", f"--reuid={user.uid}", f"--regid={user.gid}",
              f"--groups={','.join(str(gid) for gid in user.groups)}",
              f"--inh-caps={caps}", f"--bounding-set={caps}"]
    if capabilities:
        prefix.append(f"--ambient-caps={','.join(f'+{cap}' for cap in capabilities)}")
    return [*prefix, "--no-new-privs", "--", *command]


def environment(user, base=None):
    """Return the environment of a child running as ``user``: ``base`` (default ours) with its HOME and name."""
    env = dict(os.environ if base is None else base)
    env.update(HOME=user.home, USER=user.name, LOGNAME=user.name)
    return env


def can_enter(path, user):
    """Tell whether ``user`` may enter the folder ``path``, as the kernel decides (ACLs included)."""
    done = subprocess.run(as_user(["test", "-x", str(path)], user), capture_output=True)
    return done.returncode == 0


def open_passage(path, user):
    """Let ``user`` pass through each folder on the way to ``path`` it may not enter; return the folders opened.

    A checkout under /root, or in a 0700 temporary folder, is closed to the app user. Each such
    folder gets one ACL entry granting that user search (x) alone: it may pass through, not list or
    read, and nobody else gains anything. Raise ProcessUserError when that is not possible (no
    setfacl, a file system without ACLs).
    """
    path = Path(path).resolve()
    if can_enter(path, user):
        return []
    opened = []
    for folder in [*reversed(path.parents), path]:
        if can_enter(folder, user):
            continue
        if shutil.which("setfacl") is None:
            raise ProcessUserError(f"user {user.name} cannot enter {folder}, and setfacl (Debian package acl) "
                                   "is missing to let it pass")
        done = subprocess.run(["setfacl", "-m", f"u:{user.name}:x", str(folder)], capture_output=True, text=True)
        if done.returncode != 0 or not can_enter(folder, user):
            raise ProcessUserError(f"user {user.name} cannot enter {folder}: {done.stderr.strip() or 'refused'}")
        opened.append(folder)
    return opened
