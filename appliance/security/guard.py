"""The daemon's side of blocking: failures from AMI events in; ban rows and the kernel's set out.

Events arrive on the AMI listener's thread; ``on_event`` counts them and, past a threshold,
writes the ban row and (for a whole address) puts it in the kernel at once. ``reconcile`` runs
every second on the scheduler: it drops expired rows, and makes the kernel's set equal to the
rows, so a block lifted on the web page (a deleted row) is lifted in the kernel within a second
and a restart (or a reboot, which empties the set) re-installs what is still in force.
"""
import logging
import threading
import time

from appliance.models.users import utcnow
from appliance.security.allow import AllowList
from appliance.security.events import failure_from_event
from appliance.security.firewall import Firewall, FirewallUnavailable
from appliance.security.tally import Tally, Thresholds
from appliance.services import Actor, bans

log = logging.getLogger("centralina.bans")

#: Seconds between comparisons of the kernel's set with what the guard put there (nft list):
#: heals a ruleset flushed by someone else.
VERIFY_EVERY = 60.0
#: Seconds before a firewall that failed is tried again.
RETRY_EVERY = 30.0


class Guard:
    """Count failures, make bans, keep the kernel's set equal to the address bans in force."""

    def __init__(self, tally, allow, firewall, seconds, clock=time.monotonic):
        self.tally = tally
        self.allow = allow
        self.firewall = firewall
        self.seconds = int(seconds)
        self.clock = clock
        self._lock = threading.Lock()
        self._known = set()  # (address, user name) of the bans in force, as last seen
        self._whole = set()  # addresses blocked whole
        self._installed = {}  # address -> seconds left when put in the kernel (what the set holds)
        self._ready = False  # the table exists and _installed is what the kernel holds
        self._verify_at = 0.0
        self._retry_at = 0.0
        #: Why the kernel cannot be changed (None while it can): the page shows bans as not enforced.
        self.unavailable = None

    @classmethod
    def from_settings(cls, conf):
        """Return the guard the BAN_* settings describe."""
        return cls(Tally(Thresholds.from_settings(conf)), AllowList(conf["BAN_ALLOW"]), Firewall.from_settings(conf),
                   conf["BAN_SECONDS"])

    def start(self):
        """Create the table and install the bans still in force (those expired meanwhile are dropped)."""
        self.reconcile()
        return self

    def on_event(self, event):
        """Count the failure an AMI event reports, if any; block when it crosses a threshold."""
        failure = failure_from_event(event)
        if failure is None or failure.address in self.allow or failure.address in self._whole:
            # An address blocked whole still reports failures while the kernel cannot block it.
            return
        verdict = self.tally.record(failure, self.clock())
        if verdict is not None:
            self._block(verdict)

    def _block(self, verdict):
        ban = bans.block(bans.BanInput(verdict.address, verdict.username, verdict.service, verdict.reason,
                                       self.seconds, verdict.failures, verdict.usernames), Actor.system("daemon"))
        log.warning("blocked %s%s for %d s: %s %s, %d failures (user names: %s)",
                    f"user {verdict.username} from " if verdict.username else "", verdict.address, self.seconds,
                    verdict.service, verdict.reason, verdict.failures, ",".join(verdict.usernames)[:200])
        self._known.add((ban.address, ban.username))
        if ban.whole_address:
            self._whole.add(ban.address)
            self._sync_kernel()

    def reconcile(self):
        """Drop expired bans, forget the counts of lifted ones, make the kernel hold the address bans."""
        for ban in bans.expire():
            log.info("block of %s%s expired", f"{ban.username} from " if ban.username else "", ban.address)
        self._sync_kernel()
        self.tally.prune(self.clock())

    def _sync_kernel(self):
        with self._lock:
            rows = list(bans.list_bans())
            known = {(ban.address, ban.username) for ban in rows}
            for address, username in self._known - known:  # lifted on the page, or expired
                self.tally.forget(address, username or None)
            self._known = known
            wanted = {ban.address: ban for ban in rows if ban.whole_address}
            self._whole = set(wanted)
            now = self.clock()
            enforced = self._enforce(wanted, now)
            bans.mark_enforced([ban.id for ban in wanted.values() if ban.enforced != enforced], enforced)

    def _enforce(self, wanted, now):
        """Make the kernel hold ``wanted``; return whether it does (False: nft missing or not permitted)."""
        if self.unavailable is not None and now < self._retry_at:
            return False
        try:
            self._apply(wanted, now)
        except FirewallUnavailable as error:
            if self.unavailable is None:  # once, not every second
                log.error("blocks are recorded but the kernel does not enforce them: %s", error)
            self.unavailable, self._retry_at, self._ready = str(error), now + RETRY_EVERY, False
            return False
        if self.unavailable is not None:
            log.warning("the firewall works again: blocks are enforced")
            self.unavailable = None
        return True

    def _apply(self, wanted, now):
        if not self._ready:
            self.firewall.ensure()
            self._installed, self._ready, self._verify_at = self.firewall.blocked(), True, now + VERIFY_EVERY
        elif now >= self._verify_at:
            self._installed, self._verify_at = self.firewall.blocked(), now + VERIFY_EVERY
        today = utcnow()
        add = {address: (ban.expires_at - today).total_seconds() for address, ban in wanted.items()
               if address not in self._installed}
        remove = [address for address in self._installed if address not in wanted]
        self.firewall.remove(remove)
        self.firewall.add({address: seconds for address, seconds in add.items() if seconds >= 1})
        for address in remove:
            del self._installed[address]
            log.info("%s taken out of the kernel's block list", address)
        self._installed.update(add)
