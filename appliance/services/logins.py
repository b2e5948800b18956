"""Logging in: the password check behind throttles per (account, address) and per address.

A wrong password counts against the pair (this account from this address) and against the
address (every account from it, the cap on password spraying). Past a few free failures each
further one makes that key wait twice as long as the last. A login is refused unheard while a
key it matches is waiting, so an attacker hammering an account from one address never locks
the owner out of it from another (decision 010). The counts live in the database: every
worker sees them, and they survive a restart.
"""
import logging
import math
from dataclasses import dataclass

from appliance.errors import DomainError
from appliance.i18n import N_
from appliance.services import sessions, throttles, users

log = logging.getLogger(__name__)


class Throttled(DomainError):
    """This address must wait before trying again; ``retry_after`` says how long (seconds)."""

    def __init__(self, seconds):
        self.retry_after = max(1, math.ceil(seconds))
        super().__init__(N_("Too many failed attempts. Wait %(seconds)d seconds and try again."),
                         seconds=self.retry_after)


@dataclass(frozen=True)
class LoginPolicy:
    """The throttles of the login form, from the LOGIN_* settings."""

    per_account: throttles.Backoff
    per_address: throttles.Backoff

    @classmethod
    def from_settings(cls, conf):
        """Build the policy from a settings mapping."""
        delays = (conf["LOGIN_FIRST_DELAY"], conf["LOGIN_MAX_DELAY"], conf["LOGIN_FORGET_SECONDS"])
        return cls(throttles.Backoff(conf["LOGIN_FREE_FAILURES_PER_ACCOUNT"], *delays),
                   throttles.Backoff(conf["LOGIN_FREE_FAILURES_PER_ADDRESS"], *delays))


@dataclass(frozen=True)
class LoginAttempt:
    """What one attempt came to: a user and session token, or the wait the failure earned."""

    user: object = None
    token: str = ""
    #: Seconds this address must now wait before the next attempt (0.0: none).
    wait: float = 0.0


def account_key(username, address):
    """Return the throttle key of one account tried from one address."""
    return f"login-account:{address} {(username or '').strip().lower()[:64]}"


def address_key(address):
    """Return the throttle key of every login from one address."""
    return f"login-address:{address}"


def log_in(username, password, address, user_agent, conf):
    """Check a password unless this source must wait; open a session when it is right.

    Raise Throttled while (account, address) or address is waiting; return a LoginAttempt.
    """
    policy = LoginPolicy.from_settings(conf)
    pair, source = account_key(username, address), address_key(address)
    wait = throttles.wait_left([pair, source])
    if wait:
        log.info("login refused unheard for %r from %s: %.0f s to wait", (username or "")[:64], address, wait)
        raise Throttled(wait)
    user = users.authenticate(username, password)
    if user is None:
        waits = (throttles.note_failure(pair, policy.per_account), throttles.note_failure(source, policy.per_address))
        throttles.purge(policy.per_account.forget_after)
        # The name as typed helps spot spraying; the password is never logged.
        log.warning("login failed for %r from %s%s", (username or "")[:64], address,
                    f", now waiting {max(waits):.0f} s" if max(waits) else "")
        return LoginAttempt(wait=max(waits))
    # The address keeps its count: one good account must not buy a sprayer a fresh start.
    throttles.forget(pair)
    return LoginAttempt(user=user, token=sessions.start(user, address, user_agent, conf))
