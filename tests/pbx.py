"""A real Asterisk instance driven by the app's database, for engine, browser tests and benchmarks."""
import secrets
import shutil
from contextlib import contextmanager

from appliance.asterisk import engine_root
from appliance.asterisk.engine import Engine, EngineSettings
from appliance.services import engine_sync
from tests.engine.sipp import free_port


def engine_settings(prefix="test"):
    """Return settings for a fresh instance on free loopback ports in the cached engine root."""
    rtp = free_port(span=400)
    return EngineSettings(
        engine_root=engine_root.build(),
        instance=f"{prefix}-{secrets.token_hex(4)}",
        sip_port=free_port(),
        ami_port=free_port(),
        http_port=free_port(),
        rtp_start=rtp,
        rtp_end=rtp + 398,
        ami_secret=secrets.token_urlsafe(24),
    )


@contextmanager
def driven_engine(prefix="test", start_empty=False):
    """Start Asterisk from the current database (or empty), route service changes to it, clean up after.

    The database must already be initialised and migrated.
    """
    engine = Engine(engine_settings(prefix))
    try:
        if start_empty:
            engine.create_dirs()
            from appliance.asterisk import confgen

            for name, text in confgen.render_all(engine.settings, []).items():
                engine.write_file(name, text)
        else:
            engine_sync.sync(engine)
        engine.start()
        engine_sync.configure(engine)
        yield engine
    finally:
        engine_sync.configure(None)
        engine.stop()
        shutil.rmtree(engine.host_path(engine.instance_dir), ignore_errors=True)
