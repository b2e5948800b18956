"""Fixed-window use counters in a small shared-memory file, for limits checked on every request.

The database counters (services/throttles.py) cost a write transaction per count: right for
logins and click-to-call, too dear for an API limit checked on every request by every web
worker (a write lock taken by each request is what made list latency climb with concurrency).
Here each count is a few bytes changed in a memory-mapped file under a lock: every worker
process of this host maps the same file, so a token's budget is one budget whichever worker
answers. A restart of every worker starts the windows again (at most one window more than
the limit, which is all a rate limit promises).

A window starts at a key's first use (as the database counters do), not on the clock's minute.
Layout: ``SLOTS`` slots of (key: u64, window start: u32 epoch seconds, window length: u32,
count: u32). A key takes the first slot from its hash whose key matches or whose window has
passed; when every probed slot is busy ``hit`` answers None and the caller counts in the
database instead.
"""
import fcntl
import mmap
import os
import struct
import threading
import time
from pathlib import Path

SLOT = struct.Struct("<QIII")
SLOTS = 4096
PROBES = 32


class SharedWindowCounter:
    """Counts uses of integer keys in fixed windows, shared by every process that opens ``path``."""

    def __init__(self, path, slots=SLOTS):
        self.path = Path(path)
        self.slots = slots
        self._lock = threading.Lock()  # flock does not exclude threads of one process: they share the file
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            size = SLOT.size * slots
            if os.fstat(fd).st_size < size:
                os.ftruncate(fd, size)
            self._file = os.fdopen(fd, "r+b")
        except BaseException:
            os.close(fd)
            raise
        self._map = mmap.mmap(self._file.fileno(), SLOT.size * slots)

    def hit(self, key, limit, window, now=None):
        """Count one use of ``key`` (a positive integer); return the seconds to wait (0.0 within ``limit``).

        Return None when no slot is free for ``key`` (the caller then counts elsewhere).
        """
        now = int(now if now is not None else time.time())
        with self._lock:
            fcntl.flock(self._file, fcntl.LOCK_EX)
            try:
                slot = self._slot(key, now)
                if slot is None:
                    return None
                offset = slot * SLOT.size
                found, start, length, count = SLOT.unpack_from(self._map, offset)
                if found == key and now < start + length:
                    count += 1
                else:
                    start, count = now, 1
                SLOT.pack_into(self._map, offset, key, start, window, count)
            finally:
                fcntl.flock(self._file, fcntl.LOCK_UN)
        return 0.0 if count <= limit else float(max(1, start + window - now))

    def _slot(self, key, now):
        """Return the slot of ``key``, or the first one free now along its probe run, or None."""
        free = None
        first = hash((key, 0x5EED)) % self.slots
        for probe in range(PROBES):
            slot = (first + probe) % self.slots
            found, start, length, _ = SLOT.unpack_from(self._map, slot * SLOT.size)
            if found == key:
                return slot
            if free is None and (found == 0 or now >= start + length):
                free = slot
        return free

    def close(self):
        """Unmap and close the file."""
        self._map.close()
        self._file.close()
