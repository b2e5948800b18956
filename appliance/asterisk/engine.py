"""Where Asterisk lives and how it starts and stops.

One engine is one Asterisk instance. Everything it writes (config, astdb,
control socket, logs, call records) lives under ``/srv/centralina/<instance>``
inside the engine root, and ``asterisk.conf`` points every Asterisk directory
there, so the developer appliance and every test run share one cached engine
root without colliding. In the appliance image the engine root is ``/``: the
same code runs with an empty path prefix and no chroot.

Started by root, Asterisk drops to the engine root's own ``asterisk`` account
(``-U asterisk -G asterisk``). The instance folder belongs to that account and
its group; the app's processes reach it as members of the group (decision 011).
"""
import fcntl
import ipaddress
import os
import re
import secrets
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from appliance import permissions
from appliance.asterisk import engine_root

#: Parent of every instance folder, as Asterisk sees it (inside the engine root).
INSTANCES_DIR = PurePosixPath("/srv/centralina")
#: The instance's own folders; asterisk.conf maps Asterisk's directories onto them.
INSTANCE_SUBDIRS = ("etc", "run", "spool", "spool/recordings", "spool/recordings/ready", "lib", "lib/keys",
                    "lib/cache", "log", "cdr")

#: How long a start waits for Asterisk to finish booting while it runs. At 10,000 extensions (as many
#: mailboxes to poll) a loaded machine took over 30 s, and a supervisor that gives up kills it and
#: restarts it into the same wait: a working boot must never be cut short. A crash ends the wait at once.
BOOT_SECONDS = 180.0

# The host reaches the control socket at <root>/srv/centralina/<instance>/run/asterisk.ctl,
# and AF_UNIX paths are limited to 107 bytes: keep instance names short.
_INSTANCE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
# Asterisk config values end at ';' (a comment) and at a newline.
_SECRET = re.compile(r"[A-Za-z0-9_.-]{16,128}")
#: An internal number (services/numbering.py NUMBER_RE) or nothing.
_DIALIN = re.compile(r"([1-9][0-9]{1,7})?")
_JIGASI_PASSWORD = re.compile(r"[\x21-\x7e]{0,128}")


class EngineError(RuntimeError):
    """Asterisk did not start, stop or answer as asked."""


@dataclass(frozen=True, kw_only=True)
class EngineSettings:
    """Where one Asterisk instance lives and which addresses it uses."""

    engine_root: Path = Path("/")
    instance: str = "centralina"
    #: Address for SIP (UDP and TCP), HTTP/WebSocket and RTP. AMI always stays on loopback.
    bind_address: str = "127.0.0.1"
    sip_port: int = 5060
    ami_port: int = 5038
    ami_username: str = "centralina"
    ami_secret: str
    #: Secret of the second AMI user, the one that may originate calls (confgen/manager.py).
    ami_calls_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    http_port: int = 8088
    rtp_start: int = 10000
    rtp_end: int = 20000
    #: Where the VoiceBot server listens for AudioSocket connections (host:port, loopback).
    voicebot_address: str = "127.0.0.1:9093"
    #: The engine root's account Asterisk runs as when started by root; empty: as its starter.
    run_user: str = "asterisk"
    #: The internal number phone callers dial to join a Jitsi meeting by PIN (empty: no dial-in), and
    #: the password jigasi registers with (empty: no jigasi login). Settings JITSI_DIALIN_NUMBER and
    #: JITSI_JIGASI_PASSWORD; confgen/jitsi.py.
    jitsi_dialin_number: str = ""
    jigasi_password: str = field(default="", repr=False)
    #: ICE host candidates Asterisk advertises under another address: ((local, advertised), ...)
    #: (rtp.conf [ice_host_candidates]; a private test network maps its one address to 127.0.0.1).
    ice_host_candidates: tuple = ()

    def __post_init__(self):
        if not _INSTANCE_NAME.fullmatch(self.instance):
            raise ValueError(f"instance name must match {_INSTANCE_NAME.pattern}: {self.instance!r}")
        if not _SECRET.fullmatch(self.ami_secret) or not _SECRET.fullmatch(self.ami_calls_secret):
            raise ValueError("AMI secrets must be 16-128 characters of [A-Za-z0-9_.-]")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,26}", self.ami_username):
            raise ValueError(f"invalid AMI username: {self.ami_username!r}")
        if not _DIALIN.fullmatch(self.jitsi_dialin_number):
            raise ValueError(f"invalid Jitsi dial-in number: {self.jitsi_dialin_number!r}")
        if not _JIGASI_PASSWORD.fullmatch(self.jigasi_password):
            raise ValueError("jigasi's password must be up to 128 printable ASCII characters, no spaces")
        for pair in self.ice_host_candidates:
            for address in pair:
                ipaddress.ip_address(address)  # ValueError on anything else
        if not 0 < self.rtp_start < self.rtp_end <= 65535:
            raise ValueError("RTP range must satisfy 0 < rtp_start < rtp_end <= 65535")
        object.__setattr__(self, "engine_root", Path(self.engine_root))

    @property
    def instance_dir(self):
        """Return the instance folder as Asterisk sees it."""
        return INSTANCES_DIR / self.instance

    @property
    def ami_calls_username(self):
        """Return the AMI user that may originate calls (and nothing of the ``system`` class)."""
        return f"{self.ami_username}-calls"

    @property
    def media_address(self):
        """Return the address RTP binds to, or None when bind_address is a wildcard."""
        return None if self.bind_address in ("0.0.0.0", "::") else self.bind_address

    @property
    def asterisk_conf(self):
        """Return the path of this instance's asterisk.conf (the ``-C`` argument)."""
        return self.instance_dir / "etc" / "asterisk.conf"

    @property
    def realtime_db(self):
        """Return the SQLite file Asterisk reads PJSIP endpoints, AORs and auths from."""
        return self.instance_dir / "lib" / "realtime.sqlite3"

    @property
    def cdr_db(self):
        """Return the SQLite file cdr_sqlite3_custom writes call records to."""
        return self.instance_dir / "cdr" / "master.db"


class Engine:
    """Start, stop and query one Asterisk instance."""

    def __init__(self, settings):
        self.settings = settings
        self._proc = None
        self._console = None

    @property
    def instance_dir(self):
        """Return the instance folder as Asterisk sees it (inside the engine root)."""
        return self.settings.instance_dir

    @property
    def pid(self):
        """Return the PID of the Asterisk this object started, or None."""
        return self._proc.pid if self._proc else None

    def host_path(self, path):
        """Return ``path`` (absolute, as Asterisk sees it) as seen from the host."""
        path = PurePosixPath(path)
        if not path.is_absolute():
            raise ValueError(f"engine paths are absolute: {path}")
        return self.settings.engine_root / path.relative_to("/")

    def account(self):
        """Return ``(uid, gid)`` Asterisk runs as (the engine root's ``run_user``), or None to run as its starter.

        Only root can start Asterisk as another user, so for anyone else this is None; so it
        is for a root folder without that account (tests' stand-ins), which start() refuses.
        """
        if os.geteuid() != 0 or not self.settings.run_user:
            return None
        return engine_root.account(self.settings.engine_root, self.settings.run_user)

    def create_dirs(self):
        """Create the instance folders if they are missing, shared with Asterisk's group.

        The parent of every instance stays world-traversable (0755) so the app's own user
        reaches its instance; an instance folder is Asterisk's and its group's only.
        """
        parent = self.host_path(INSTANCES_DIR)
        if not parent.exists():
            parent.mkdir(parents=True)
            os.chmod(parent, 0o755)
        owner = self.account()
        for sub in ("", *INSTANCE_SUBDIRS):
            path = self.host_path(self.instance_dir / sub)
            path.mkdir(exist_ok=True)
            permissions.share_dir(path, owner)

    def share_files(self):
        """Give every file of the instance to Asterisk's account and group (root only), as start() does."""
        self.create_dirs()
        # The app reads call records with a read-write connection (a crashed Asterisk's
        # journal must be rolled back first): the file must be group-writable from birth.
        permissions.create_shared(self.host_path(self.settings.cdr_db))
        permissions.share_tree(self.host_path(self.instance_dir), self.account())

    def write_file(self, name, text):
        """Write ``text`` to ``etc/<name>`` atomically; return the host path.

        A reader (Asterisk reloading) sees the old file or the new one, never
        half of one: the text goes to a temporary file in the same folder,
        reaches the disk, and is renamed over the old file.
        """
        if "/" in name or name.startswith("."):
            raise ValueError(f"config file names are plain names: {name!r}")
        etc = self.host_path(self.instance_dir / "etc")
        etc.mkdir(parents=True, exist_ok=True)
        target = etc / name
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=etc)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o640)  # manager.conf carries the AMI secret
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def _command(self, *args):
        prefix = [] if self.settings.engine_root == Path("/") else ["chroot", str(self.settings.engine_root)]
        return [*prefix, "asterisk", "-C", str(self.settings.asterisk_conf), *args]

    def lock_file(self, name):
        """Open (creating it group-writable) the lock file ``name`` of the instance; the caller flocks it.

        Root (the CLI, the supervisor) and the app's user take the same locks.
        """
        return open(permissions.create_shared(self.host_path(self.instance_dir / name)), "a")

    @contextmanager
    def rows_locked(self):
        """Hold the realtime rows' lock exclusively: taken by whatever writes the rows or copies them (AstDB)."""
        with self.lock_file("run/realtime.lock") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def start(self, timeout=None):
        """Start Asterisk in the foreground as our child and wait until it is fully booted.

        ``-f`` keeps Asterisk in the foreground, so the PID we hold is
        Asterisk's own (chroot execs it) and stop() can always reach it. The
        child gets its own process group, so a Ctrl-C meant for the caller's
        terminal does not kill it before an orderly stop.
        """
        if self._proc and self._proc.poll() is None:
            raise EngineError(f"instance {self.settings.instance} already started (pid {self._proc.pid})")
        if self.is_running():
            raise EngineError(f"instance {self.settings.instance} is already served by another Asterisk")
        account = self.account()
        if account is None and os.geteuid() == 0 and self.settings.run_user:
            raise EngineError(f"the engine root {self.settings.engine_root} has no user {self.settings.run_user!r}")
        self.share_files()
        if account is not None:
            modules_conf = self.host_path(self.instance_dir / "etc" / "modules.conf")
            engine_root.confine_modules(self.settings.engine_root, modules_conf.read_text())
        self._console = open(self.host_path(self.instance_dir / "log" / "console.log"), "ab")
        user = ["-U", self.settings.run_user, "-G", self.settings.run_user] if account else []
        # Asterisk sets no umask of its own: with ENGINE_UMASK what it creates (voicemail,
        # logs, astdb) is readable by its group, which the app's processes belong to.
        self._proc = subprocess.Popen(
            self._command("-f", *user), stdin=subprocess.DEVNULL, stdout=self._console,
            stderr=subprocess.STDOUT, process_group=0, umask=permissions.ENGINE_UMASK,
        )
        timeout = BOOT_SECONDS if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._reap()
                raise EngineError(f"asterisk exited with {code} while booting:\n{self.log_tail()}")
            try:
                # Blocks until boot completes once the control socket answers.
                self.cli("core waitfullybooted", timeout=max(deadline - time.monotonic(), 0.1))
                return
            except EngineError:
                time.sleep(0.05)
        self.stop()
        raise EngineError(f"asterisk did not boot within {timeout} s:\n{self.log_tail()}")

    def stop(self, timeout=10.0):
        """Stop the Asterisk this object started: ``core stop now``, then SIGTERM, then SIGKILL."""
        if not self._proc:
            return
        if self._proc.poll() is None:
            try:
                self.cli("core stop now", timeout=min(timeout, 5.0))
            except EngineError:
                pass  # not answering: the signals below still stop it
            for sig in (None, signal.SIGTERM, signal.SIGKILL):
                if sig is not None:
                    self._proc.send_signal(sig)
                try:
                    self._proc.wait(timeout=timeout / 3)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self._reap()

    def exited(self):
        """Return the exit status of the Asterisk this object started once it has ended, else None."""
        return self._proc.poll() if self._proc else None

    def _reap(self):
        if self._proc:
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self._console:
            self._console.close()
        self._proc = self._console = None

    def is_running(self):
        """Tell whether an Asterisk (ours or not) serves this instance.

        Root asks the control socket. The socket is Asterisk's own (0600, asterisk.conf):
        anyone else is refused there and checks the process named in the pid file instead.
        """
        if self._proc and self._proc.poll() is not None:
            return False
        ctl = self.host_path(self.instance_dir / "run" / "asterisk.ctl")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(1.0)
            try:
                sock.connect(str(ctl))
            except PermissionError:
                return self._pid_alive()
            except OSError:
                return False
        return True

    def _pid_alive(self):
        try:
            pid = int(self.host_path(self.instance_dir / "run" / "asterisk.pid").read_text().strip())
            return Path(f"/proc/{pid}/comm").read_text().strip() == "asterisk"
        except (OSError, ValueError):
            return False

    def cli(self, command, timeout=10.0):
        """Run one CLI command on this instance (``asterisk -rx``) and return its output."""
        try:
            done = subprocess.run(
                self._command("-rx", command), capture_output=True, text=True, timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:
            raise EngineError(f"CLI command {command!r} timed out after {timeout} s") from exc
        if done.returncode != 0:
            raise EngineError(f"CLI command {command!r} failed ({done.returncode}): {done.stdout}{done.stderr}")
        return done.stdout

    def status(self):
        """Return version, uptime in seconds, registered contacts and active channels."""
        version = re.search(r"Asterisk (\S+)", self.cli("core show version"))
        uptime = re.search(r"System uptime:\s*(\d+)", self.cli("core show uptime seconds"))
        # "Objects found: N" closes the listing; with no contacts it prints "No objects found."
        contacts = re.search(r"Objects found:\s*(\d+)", self.cli("pjsip show contacts"))
        channels = re.search(r"(\d+) active channels?", self.cli("core show channels count"))
        return {
            "version": version.group(1) if version else None,
            "uptime_seconds": int(uptime.group(1)) if uptime else 0,
            "contacts": int(contacts.group(1)) if contacts else 0,
            "active_channels": int(channels.group(1)) if channels else 0,
        }

    def log_tail(self, lines=30):
        """Return the last lines of the instance's messages.log and console.log (for error reports)."""
        out = []
        for name in ("messages.log", "console.log"):
            path = self.host_path(self.instance_dir / "log" / name)
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {name}\n" + "\n".join(text))
        return "\n".join(out)
