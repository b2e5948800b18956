"""Rendered phone files kept in a worker's memory, and the validators (ETag, Last-Modified) phones revalidate with.

What a phone's files carry depends on the database (its device row, the extensions, the phonebook),
on this process's settings and on the templates. The database part is summed up by one counter,
``provisioning_generation``, that SQLite triggers bump on every change of those rows (migration
m0023, decision 023); the rest is fixed for a process's life and summed up in a salt computed at
start. A cached file is therefore valid while the generation is the one it was rendered at, and the
whole cache is dropped when the generation moves. The cache lives in the worker's memory only (the
files carry SIP passwords) and is bounded in bytes; each gunicorn worker has its own.
"""
import hashlib
import json
import time
from collections import OrderedDict
from email.utils import formatdate
from pathlib import Path

from appliance.models.phones import ProvisioningGeneration
from provisioning.base import TEMPLATES


def salt(conf, engine=None):
    """Return a digest of what, besides the database, the files are rendered from: settings, engine, templates."""
    digest = hashlib.sha256()
    keys = ("TIMEZONE", "NTP_SERVER", "DEFAULT_LOCALE", "PROV_FIRMWARE", "SIP_BIND", "SIP_PORT", "PROV_BASE_URL")
    digest.update(json.dumps({key: conf.get(key) for key in keys}, sort_keys=True, default=str).encode())
    if engine is not None:
        digest.update(f"{engine.settings.bind_address}:{engine.settings.sip_port}".encode())
    for path in sorted(Path(TEMPLATES).rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(TEMPLATES)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def current_generation():
    """Return (generation, changed_at) of the database's provisioning content."""
    table = ProvisioningGeneration._meta.table_name
    generation, changed_at = ProvisioningGeneration._meta.database.execute_sql(
        f"SELECT generation, changed_at FROM {table} WHERE id = 1").fetchone()  # every request: no ORM compile
    return generation, changed_at


class Validators:
    """The ETag and Last-Modified of one file, and whether a conditional request matches them."""

    def __init__(self, etag, changed_at):
        self.etag = etag
        self.changed_at = changed_at  # unix time (float) the content last changed, at the latest

    @classmethod
    def of(cls, process_salt, started, generation, changed_at, *parts):
        """Validators of a file rendered from ``parts`` at ``generation`` (None: from no database row)."""
        text = "|".join(str(part) for part in (process_salt, generation, *parts))
        etag = hashlib.sha256(text.encode()).hexdigest()[:32]
        return cls(etag, max(changed_at, started) if generation is not None else started)

    def last_modified(self, now=None):
        """Return the HTTP date to send: the second after the change once it is past, so that it validates."""
        now = time.time() if now is None else now
        second = int(self.changed_at)
        return formatdate(second + 1 if second + 1 <= now else second, usegmt=True)

    def not_modified(self, request):
        """Tell whether ``request``'s If-None-Match (or, without one, If-Modified-Since) says the phone has it.

        If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2). A date validates only when the
        content changed strictly before it: a second's resolution must not hide a change made in it.
        """
        if request.if_none_match:
            return request.if_none_match.contains_weak(self.etag)  # weak comparison (RFC 9110 13.1.2)
        since = request.if_modified_since
        return since is not None and self.changed_at < since.timestamp()


class RenderCache:
    """Rendered files by key, least recently used first out past ``limit`` bytes; dropped when the generation moves."""

    def __init__(self, limit):
        self.limit = limit
        self.generation = None
        self.size = 0
        self.entries = OrderedDict()
        self.hits = self.misses = 0

    def get(self, generation, key, render):
        """Return ``render()`` for ``key`` at ``generation``, rendered at most once while it stays cached."""
        if self.limit <= 0:
            return render()
        if generation != self.generation:
            self.entries.clear()
            self.size, self.generation = 0, generation
        if key in self.entries:
            self.entries.move_to_end(key)
            self.hits += 1
            return self.entries[key]
        self.misses += 1
        value = render()
        size = _size(value)
        if size <= self.limit:
            self.entries[key] = value
            self.size += size
            while self.size > self.limit:
                _, old = self.entries.popitem(last=False)
                self.size -= _size(old)
        return value


def _size(value):
    if isinstance(value, dict):
        return sum(len(name) + len(body or b"") for name, body in value.items()) + 64
    return len(value or b"") + 64
