"""Count failures and decide when they earn a block: per (address, user name) first, per address on scanning.

A phone left with an old password fails again and again with one user name: that user name is
refused from that address, and the other phones behind the same NAT address keep working. An
address failing with many user names, or hammering far faster than any phone retries, is
scanning: the whole address is blocked. Pure and in memory: time is passed in, nothing is stored.
"""
import threading
from collections import deque
from dataclasses import dataclass, field

from appliance.security.events import PASSWORD, SIP, VOICEMAIL

#: Why a block was decided, as stored on the ban row.
REASON_PASSWORD, REASON_SCAN, REASON_FLOOD = "password", "scan", "flood"
#: Services whose user names Asterisk can refuse from one address (the endpoint's ``deny`` ACL, a
#: realtime column: live at once, no reload). A voicemail failure names the calling device. AMI
#: has no such per-user switch (manager.conf is a file), so its per-user limit blocks the address.
PER_USER = frozenset({SIP, VOICEMAIL})


@dataclass(frozen=True)
class Thresholds:
    """The limits: failures per (address, user name), user names and failures per address."""

    pair_failures: int = 10
    scan_usernames: int = 10
    window: float = 600.0
    flood_failures: int = 100
    flood_seconds: float = 10.0

    @classmethod
    def from_settings(cls, conf):
        """Return the thresholds of the BAN_* settings."""
        return cls(pair_failures=int(conf["BAN_PAIR_FAILURES"]), scan_usernames=int(conf["BAN_SCAN_USERNAMES"]),
                   window=float(conf["BAN_WINDOW"]), flood_failures=int(conf["BAN_FLOOD_FAILURES"]),
                   flood_seconds=float(conf["BAN_FLOOD_SECONDS"]))

    def __post_init__(self):
        if min(self.pair_failures, self.scan_usernames, self.flood_failures) < 1 or \
                min(self.window, self.flood_seconds) <= 0:
            raise ValueError("ban thresholds must be positive")


@dataclass(frozen=True)
class Verdict:
    """A block to make: ``username`` empty means the whole address."""

    address: str
    username: str
    service: str
    reason: str
    failures: int
    usernames: tuple = ()


@dataclass
class _Source:
    """What one address did lately."""

    requests: deque
    usernames: dict = field(default_factory=dict)  # user name -> last failure time
    last: float = 0.0


class Tally:
    """Failures per address and per (address, user name) within the thresholds' windows; thread-safe."""

    def __init__(self, thresholds):
        self.thresholds = thresholds
        self._sources = {}
        self._pairs = {}  # (address, user name, service) -> deque of failure times
        self._lock = threading.Lock()

    def record(self, failure, now):
        """Count ``failure`` (an events.Failure) at time ``now`` (seconds); return a Verdict or None."""
        limits = self.thresholds
        with self._lock:
            source = self._sources.get(failure.address)
            if source is None:
                source = self._sources[failure.address] = _Source(deque(maxlen=limits.flood_failures))
            source.last = now
            source.requests.append(now)
            source.usernames[failure.username] = now
            if len(source.requests) == limits.flood_failures and now - source.requests[0] <= limits.flood_seconds:
                return self._address_verdict(failure, REASON_FLOOD, source)
            for name, seen in list(source.usernames.items()):
                if now - seen > limits.window:
                    del source.usernames[name]
            if len(source.usernames) >= limits.scan_usernames:
                return self._address_verdict(failure, REASON_SCAN, source)
            # A refused request (the pair is blocked already) or an unknown user name (no account
            # to break into) is no password guess; for AMI every failure is a failed login.
            if failure.service in PER_USER and failure.cause != PASSWORD:
                return None
            key = (failure.address, failure.username, failure.service)
            times = self._pairs.get(key)
            if times is None:
                times = self._pairs[key] = deque(maxlen=limits.pair_failures)
            times.append(now)
            if len(times) < limits.pair_failures or now - times[0] > limits.window:
                return None
            if failure.service not in PER_USER:
                return self._address_verdict(failure, REASON_PASSWORD, source)
            del self._pairs[key]
            return Verdict(failure.address, failure.username, failure.service, REASON_PASSWORD, len(times),
                           (failure.username,))

    def _address_verdict(self, failure, reason, source):
        self._forget(failure.address)
        return Verdict(failure.address, "", failure.service, reason, len(source.requests),
                       tuple(sorted(source.usernames)))

    def forget(self, address, username=None):
        """Drop the counts of ``address`` (or of its ``username`` only): after a block is made or lifted."""
        with self._lock:
            if username is None:
                self._forget(address)
            else:
                for key in [key for key in self._pairs if key[:2] == (address, username)]:
                    del self._pairs[key]

    def _forget(self, address):
        self._sources.pop(address, None)
        for key in [key for key in self._pairs if key[0] == address]:
            del self._pairs[key]

    def prune(self, now):
        """Drop what is older than the window, so memory follows recent traffic only."""
        window = self.thresholds.window
        with self._lock:
            for address in [a for a, source in self._sources.items() if now - source.last > window]:
                del self._sources[address]
            for key in [key for key, times in self._pairs.items() if now - times[-1] > window]:
                del self._pairs[key]

    def __len__(self):
        return len(self._sources) + len(self._pairs)
