"""An AstDB read-cache of each extension's realtime row, so that a call skips ``REALTIME_HASH``.

``REALTIME_HASH`` puts the channel in autoservice, whose stop sleeps 1 ms, and costs ~240 µs of
Asterisk's CPU; ``DB()`` costs tens of µs (decision 040). The dialplan (confgen/extensions.py)
reads ``CNX/<number>``: the fields it needs, in ``FIELDS`` order, escaped as ``REALTIME_HASH``
escapes them, so ``Set(~ODBCFIELDS~=<FIELDS>)`` then ``Set(HASH(cn)=${DB(CNX/…)})`` fills the same hash
keys. A missing key sends the call to ``REALTIME_HASH`` as before (decision 047).

The realtime row stays the truth and only this module writes the cache, never the dialplan: a
call that read an old row could write it back after an edit's invalidation. Every write happens
under the realtime rows' lock (``run/realtime.lock``) with the rows read from the realtime file
itself, so a cached value is never older than the row a later edit wrote.

- ``follow``: after a sync wrote rows (under that lock), the changed numbers are written or deleted
  over AMI; with Asterisk down, a full sync deletes the family from ``astdb.sqlite3`` (no other
  writer then), a scoped one marks the cache stale.
- ``keep`` (the daemon): a stale mark (an AMI write failed, Asterisk was away) deletes the family in
  one action, then the rows are written back in chunks, each under the lock, stopping when asked.
"""
import logging
import sqlite3
import threading

from appliance.asterisk import control
from appliance.asterisk.ami import AmiError
from appliance.asterisk.names import EXTENSION_CACHE_FAMILY, EXTENSION_CACHE_FIELDS

log = logging.getLogger(__name__)

#: The columns of ``cn_extensions`` the call path reads, in the cached value's order.
FIELDS = EXTENSION_CACHE_FIELDS
#: Longest value cached: an AMI line is at most 1,024 bytes (manager.c), header included. A longer row
#: (an extension with dozens of devices) is read from realtime, as every row was before.
MAX_VALUE = 900
#: More changed rows than this in one sync: the family is deleted and the daemon refills it in the
#: background (1.3 ms per DBPut: a request must not wait seconds for them).
MAX_INLINE = 100
#: Rows per chunk of a fill, each chunk under the rows' lock (~0.3 s of DBPut: edits wait at most that).
CHUNK = 200
#: The mark a failed write leaves under the instance's run folder: the daemon rebuilds the family.
STALE_MARK = "run/extension-cache.stale"
_filling = threading.Lock()


def escape(text):
    """Escape ``text`` as ``REALTIME_HASH`` escapes a value (ast_str_set_escapecommas: ``\\`` and ``,``)."""
    return text.replace("\\", "\\\\").replace(",", "\\,")


def value_of(texts):
    """Return the cached value of a row from its ``FIELDS`` values (text or None), or None not to cache it.

    An extension with no dial string is not cached (the realtime read finds it unknown or unreachable).
    """
    if not texts or not texts[0]:
        return None
    value = ",".join(escape(text or "") for text in texts)
    # AMI carries one line, its value with no blanks around it; anything else stays in realtime only.
    # Parentheses: the dialplan reads the value inside ${SET(…):0:0} (confgen/dialplan.py, quietly).
    if (len(value) > MAX_VALUE or "\r" in value or "\n" in value or value != value.strip()
            or "(" in value or ")" in value):
        return None
    return value


def read_values(rows_path, numbers):
    """Return ``{number: cached value or None}`` for ``numbers`` from the realtime file (None: no row or not cached)."""
    numbers = sorted(numbers)
    values = dict.fromkeys(numbers)
    if not numbers:
        return values
    conn = sqlite3.connect(f"file:{rows_path}?mode=ro", uri=True, timeout=5)
    try:
        columns = ", ".join(f"CAST({name} AS TEXT)" for name in FIELDS)
        for start in range(0, len(numbers), 500):
            part = numbers[start:start + 500]
            found = conn.execute(f"SELECT id, {columns} FROM cn_extensions WHERE id IN ({', '.join('?' * len(part))})",
                                 part)
            for row in found:
                values[row[0]] = value_of(row[1:])
    finally:
        conn.close()
    return values


def all_numbers(rows_path):
    """Return every extension number of the realtime file, sorted."""
    conn = sqlite3.connect(f"file:{rows_path}?mode=ro", uri=True, timeout=5)
    try:
        return [row[0] for row in conn.execute("SELECT id FROM cn_extensions ORDER BY id")]
    finally:
        conn.close()


def astdb_path(engine):
    """Return Asterisk's AstDB file of ``engine`` (asterisk.conf's astdbdir) as this process sees it."""
    return engine.host_path(engine.settings.instance_dir / "lib" / "astdb.sqlite3")


def _stale_path(engine):
    return engine.host_path(engine.settings.instance_dir / STALE_MARK)


def mark_stale(engine):
    """Record that the family may hold values older than their rows: the daemon deletes and refills it."""
    path = _stale_path(engine)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def is_stale(engine):
    """Tell whether a failed write left the family to be rebuilt."""
    return _stale_path(engine).exists()


def _wipe_file(engine):
    """Delete the family from ``astdb.sqlite3`` while Asterisk is down; return whether the file was there.

    Asterisk creates the file (owned by its account) at its first start: none, nothing cached. SQLite
    gives a journal it creates as root the database file's owner, so Asterisk can still open it.
    """
    path = astdb_path(engine)
    if not path.exists():
        return False
    conn = sqlite3.connect(path, timeout=5)
    try:
        with conn:
            # db.c's own tree query: every key under /CNX/.
            conn.execute("DELETE FROM astdb WHERE key || '/' LIKE ? || '/' || '%'", (f"/{EXTENSION_CACHE_FAMILY}",))
    finally:
        conn.close()
    return True


def follow(engine, rows_path, numbers, full):
    """Bring the family in line with the rows of ``numbers`` just written; call it under the rows' lock.

    ``full``: a full sync (every row compared). Nothing here raises: a failure marks the family stale.
    """
    if not full and not numbers:
        return
    try:
        if not engine.is_running():
            if full:
                # Asterisk may have missed edits while it was down: its next start finds no family.
                _wipe_file(engine)
                _stale_path(engine).unlink(missing_ok=True)
            else:
                mark_stale(engine)
            return
        if not numbers:
            return
        adapter = control.EngineControl(engine.settings)
        if len(numbers) > MAX_INLINE:
            adapter.clear_extension_cache()
            mark_stale(engine)  # refilled by the daemon, in chunks
            return
        adapter.put_extension_cache(read_values(rows_path, numbers))
    except (AmiError, OSError, sqlite3.Error) as error:
        log.warning("extension cache not updated for %d numbers (calls read the rows): %s", len(numbers or ()), error)
        try:
            mark_stale(engine)
        except OSError:
            log.exception("extension cache: cannot mark it stale")


def keep(engine, stop=None, check_filled=False):
    """Rebuild the family when marked stale (or, with ``check_filled``, when no complete fill is recorded).

    The daemon's job: on every AMI (re)connect with ``check_filled``, and every few seconds for the mark.
    The family is deleted in one action (calls read the rows meanwhile), then refilled ``CHUNK`` rows at a
    time, each chunk under the rows' lock; ``stop`` (an Event) set ends it between chunks. Return the
    number of values written, or None when there was nothing to do (or another fill runs).
    """
    if not _filling.acquire(blocking=False):
        return None
    try:
        stale = is_stale(engine)
        if not stale and not check_filled:
            return None
        adapter = control.EngineControl(engine.settings)
        if not stale and adapter.extension_cache_filled():
            return None
        rows_path = engine.host_path(engine.settings.realtime_db)
        with engine.rows_locked():
            _stale_path(engine).unlink(missing_ok=True)
            adapter.clear_extension_cache()
        if not rows_path.exists():
            return 0
        numbers = all_numbers(rows_path)
        written = 0
        for start in range(0, len(numbers), CHUNK):
            if stop is not None and stop.is_set():
                log.info("extension cache fill stopped after %d of %d", start, len(numbers))
                return written
            with engine.rows_locked():
                if is_stale(engine):
                    return written  # a write failed meanwhile: the next run starts over
                values = read_values(rows_path, numbers[start:start + CHUNK])
                adapter.put_extension_cache(values)
                written += sum(1 for value in values.values() if value is not None)
        adapter.mark_extension_cache_filled()
        log.info("extension cache filled: %d of %d extensions", written, len(numbers))
        return written
    except (AmiError, OSError, sqlite3.Error) as error:
        log.info("extension cache not filled yet: %s", error)
        return None
    finally:
        _filling.release()

