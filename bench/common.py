"""Shared set-up for benchmarks: an app database driving its own Asterisk instance on loopback."""
import secrets
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from appliance import db, migrations
from appliance.models.extensions import Device, Extension
from appliance.models.users import utcnow
from tests.pbx import driven_engine


def bulk_extensions(count, first=2000):
    """Insert ``count`` extensions with one device each, straight into the tables (set-up, not measured)."""
    with db.database.atomic():
        for start in range(0, count, 500):
            numbers = [str(first + i) for i in range(start, min(start + 500, count))]
            rows = [{"number": n, "name": f"Ramal {n}", "created_at": utcnow(), "voicemail_pin": f"{n[-4:]:0>4}19"}
                    for n in numbers]
            Extension.insert_many(rows).execute()
        ids = {e.number: e.id for e in Extension.select(Extension.id, Extension.number)}
        rows = [{"extension": ids[n], "sip_username": n, "sip_password": f"pw-{n}-{secrets.token_hex(6)}",
                 "created_at": utcnow()} for n in sorted(ids)]
        for start in range(0, len(rows), 500):
            Device.insert_many(rows[start:start + 500]).execute()


@contextmanager
def pbx(extensions, start_empty=False, before_start=None, **engine_settings):
    """Yield (running Engine, work folder) for a fresh app database holding ``extensions`` extensions.

    ``before_start()`` may add more rows before Asterisk starts from the database; ``engine_settings``
    replace EngineSettings fields (e.g. a wider RTP range).
    """
    workdir = Path(tempfile.mkdtemp(prefix="bench-"))
    migrations.upgrade(db.init(f"sqlite:///{workdir / 'app.db'}"))
    bulk_extensions(extensions)
    if before_start is not None:
        before_start()
    try:
        with driven_engine("bench", start_empty=start_empty, **engine_settings) as engine:
            yield engine, workdir
    finally:
        db.close()
        shutil.rmtree(workdir, ignore_errors=True)


def timed(function, *args, **kwargs):
    """Return (result, seconds) of one call."""
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started
