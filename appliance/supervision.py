"""When the supervisor restarts a process that died, and what it tells the System page about it.

The rule: a dead process is restarted after a delay that starts short and doubles
with each death in a row (so a crash loop does not spin the CPU), and that starts
over once the process has stayed up a while. A process that dies again and again
right after starting is given up, with a message saying so: something around it
(a port taken, a broken file) needs a person.
"""
import datetime
import json
import os
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: First wait before a restart, and the longest.
FIRST_DELAY = 0.5
MAX_DELAY = 30.0
#: A process up this long has recovered: its next death starts the delays over.
STABLE_AFTER = 30.0
#: Deaths with no stable run between them after which the supervisor gives up.
GIVE_UP_AFTER = 5
#: A status older than this means the supervisor is not running.
STALE_AFTER = 15.0


@dataclass
class Restarts:
    """The restart history of one process, deciding each wait (``died``) from it."""

    first_delay: float = FIRST_DELAY
    max_delay: float = MAX_DELAY
    stable_after: float = STABLE_AFTER
    give_up_after: int = GIVE_UP_AFTER
    count: int = 0
    fast_failures: int = 0
    started_at: float = 0.0

    def started(self, now):
        """Note that the process (re)started at ``now``."""
        self.started_at = now

    def died(self, now):
        """Note a death at ``now``; return the seconds to wait before restarting, or None to give up."""
        if now - self.started_at >= self.stable_after:
            self.fast_failures = 0
        self.fast_failures += 1
        if self.fast_failures >= self.give_up_after:
            return None
        self.count += 1
        return min(self.first_delay * 2 ** (self.fast_failures - 1), self.max_delay)


def describe_exit(code):
    """Return how a process ended, from its return code (negative: the signal that killed it)."""
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with status {code}"


@dataclass
class ProcessStatus:
    """What the System page shows of one supervised process."""

    name: str
    #: running, restarting (waiting to start again) or failed (given up).
    state: str = "running"
    pid: int | None = None
    restarts: int = 0
    started_at: float = 0.0
    #: How it last ended: its return code (negative: the killing signal), or why it did not start.
    last_exit_code: int | None = None
    last_start_error: str = ""
    last_exit_at: float = 0.0

    @property
    def last_exit_time(self):
        """Return when it last ended (naive UTC, as the app stores times), or None."""
        return _utc(self.last_exit_at)

    @property
    def last_signal(self):
        """Return the name of the signal that last killed it (``SIGKILL``), or None."""
        if self.last_exit_code is None or self.last_exit_code >= 0:
            return None
        try:
            return signal.Signals(-self.last_exit_code).name
        except ValueError:
            return str(-self.last_exit_code)


@dataclass
class Supervision:
    """The supervisor's last published status (empty when there is none)."""

    updated_at: float = 0.0
    processes: list = field(default_factory=list)

    @property
    def stale(self):
        """Tell whether the supervisor has stopped publishing (or never ran: web started on its own)."""
        return time.time() - self.updated_at > STALE_AFTER


def _utc(timestamp):
    if not timestamp:
        return None
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).replace(tzinfo=None)


def _path(var_dir):
    return Path(var_dir) / "live" / "supervisor.json"


def publish(var_dir, processes, owner=None):
    """Write the statuses ``processes`` atomically, readable by ``owner`` ((uid, gid): the web app's user)."""
    path = _path(var_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"updated_at": time.time(), "processes": [vars(status) for status in processes]}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".supervisor.")
    try:
        if owner is not None:
            os.fchown(fd, *owner)
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read(var_dir):
    """Return the last published Supervision."""
    try:
        data = json.loads(_path(var_dir).read_text())
        processes = [ProcessStatus(**status) for status in data.get("processes", [])]
    except (OSError, ValueError, TypeError):
        return Supervision()
    return Supervision(data.get("updated_at", 0.0), processes)
