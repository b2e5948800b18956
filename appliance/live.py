"""Live engine state: the daemon publishes it, the web pages read it.

The daemon is the one process that listens to AMI; it writes a small JSON
snapshot (atomically) whenever registrations or channels change and at a
steady beat, so the web workers never hold AMI connections of their own.
"""
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: A snapshot older than this means the daemon is not running.
STALE_AFTER = 15.0


def _path(var_dir, name="engine"):
    return Path(var_dir) / "live" / f"{name}.json"


def publish(var_dir, state, name="engine"):
    """Write ``state`` (a dict) as the current snapshot ``name`` (engine, agents), stamped with the time."""
    path = _path(var_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = dict(state, updated_at=time.time())
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.")
    with os.fdopen(fd, "w") as handle:
        json.dump(payload, handle)
    os.replace(tmp, path)


@dataclass
class LiveState:
    """The last published snapshot (empty when there is none)."""

    updated_at: float = 0.0
    running: bool = False
    version: str = ""
    uptime: int = 0
    contacts: list = field(default_factory=list)
    channels: list = field(default_factory=list)
    error: str = ""

    @property
    def stale(self):
        """Tell whether the daemon has stopped publishing."""
        return time.time() - self.updated_at > STALE_AFTER

    def contacts_by_endpoint(self):
        """Return ``{endpoint: [contact, ...]}`` of the reachable registrations."""
        grouped = {}
        if self.stale:
            return grouped
        for contact in self.contacts:
            grouped.setdefault(contact.get("endpoint", ""), []).append(contact)
        return grouped


def read(var_dir):
    """Return the current LiveState."""
    try:
        data = json.loads(_path(var_dir).read_text())
    except (OSError, ValueError):
        return LiveState()
    known = LiveState.__dataclass_fields__
    return LiveState(**{key: value for key, value in data.items() if key in known})


def read_snapshot(var_dir, name):
    """Return snapshot ``name`` as published (a dict; empty when there is none)."""
    try:
        return json.loads(_path(var_dir, name).read_text())
    except (OSError, ValueError):
        return {}
