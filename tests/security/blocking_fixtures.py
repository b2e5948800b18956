"""An appliance (Asterisk, the daemon, the web app) inside a private network namespace, for the blocking tests.

127.0.0.1 is the appliance; 127.0.0.2, .3, ... play other machines (an attacker, an office behind
NAT). Blocks land in the namespace's own nftables table, never in the machine's. Not a conftest.py:
other security tests share this folder; test modules build their fixture with ``blocking_pbx``.
"""
import contextlib
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from appliance import daemon
from appliance.models.bans import Ban
from appliance.security.firewall import Firewall
from appliance.services import Actor, users
from tests.engine.sipp import SIPP, Sipp
from tests.pbx import extension_with_password, installation
from tests.security import netns
from tests.waiting import wait_for

ADMIN_PASSWORD = "Correct-Horse-42"
#: Lower than the shipped defaults where a test would otherwise need many slow calls; the flood
#: limit is the shipped one (docs/decisions/009).
LIMITS = {"BAN_PAIR_FAILURES": 3, "BAN_SCAN_USERNAMES": 4, "BAN_FLOOD_FAILURES": 100, "BAN_FLOOD_SECONDS": 10,
          "BAN_WINDOW": 600, "BAN_SECONDS": 3600, "BAN_ALLOW": ["127.0.0.1/32"]}


@dataclass
class BlockingPbx:
    """The appliance under attack: its settings, engine, web app, phones and daemon."""

    conf: dict
    engine: object
    app: object
    workdir: Path
    passwords: dict = field(default_factory=dict)
    _daemon: tuple = None

    def sipp(self, address, timeout=5.0):
        """Return SIPp helpers sending from ``address`` to the appliance's SIP port."""
        folder = self.workdir / f"sipp-{address}-{time.monotonic_ns()}"
        return Sipp(self.engine.settings.sip_port, workdir=folder, timeout=timeout, local_host=address)

    def start_daemon(self):
        """Start the daemon in a thread (it inherits this namespace); return once it listens to Asterisk."""
        from appliance import live

        # The previous daemon's snapshot would pass for this one's.
        (Path(self.conf["VAR_DIR"]) / "live" / "engine.json").unlink(missing_ok=True)
        stop = threading.Event()
        thread = threading.Thread(target=daemon.run, args=(self.conf, stop), daemon=True)
        thread.start()
        self._daemon = (thread, stop)
        # Its blocks are back in the kernel before it listens, and it publishes once it listens.
        assert wait_for(lambda: live.read(self.conf["VAR_DIR"]).running, timeout=15), "the daemon never saw Asterisk"

    def stop_daemon(self):
        """Stop the daemon and wait for it."""
        thread, stop = self._daemon
        stop.set()
        thread.join(20)
        assert not thread.is_alive(), "the daemon did not stop"
        self._daemon = None

    def firewall(self):
        """Return the namespace's firewall as the daemon configures it."""
        return Firewall.from_settings(self.conf)

    def blocked_in_kernel(self):
        """Return the addresses the kernel blocks now."""
        return set(self.firewall().blocked())

    @staticmethod
    def ban(address, username=""):
        """Return the ban row of ``address`` (or of its ``username``), or None."""
        return Ban.get_or_none((Ban.address == address) & (Ban.username == username))


@contextlib.contextmanager
def blocking_pbx(folder):
    """One appliance in its own network namespace, with phones 201-206 and an admin; the calling thread
    stays in the namespace until the block ends. Skips the test where that cannot be made."""
    if netns.missing():
        pytest.skip(netns.missing())
    if not os.access(SIPP, os.X_OK):
        pytest.skip("sipp is not installed (apt-get install sip-tester)")
    from web import create_app

    with netns.private_network(), installation(folder) as (conf, engine):
        conf.update(LIMITS)
        app = create_app({**conf, "TESTING": True, "RATELIMIT_STORAGE_URI": "memory://"})
        users.create(users.UserInput("admin", ADMIN_PASSWORD, "Admin", role="admin", language="en"),
                     Actor.system("test"))
        running = BlockingPbx(conf, engine, app, Path(folder))
        for number, name in (("201", "Ana"), ("202", "Bia"), ("203", "Caio"), ("204", "Duda"), ("205", "Eva"),
                             ("206", "Fabio")):
            running.passwords[number] = extension_with_password(number, name)[1]
        running.start_daemon()
        try:
            yield running
        finally:
            if running._daemon is not None:
                running.stop_daemon()
