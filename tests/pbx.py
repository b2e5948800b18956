"""A real Asterisk instance driven by the app's database, for engine, browser tests and benchmarks."""
import dataclasses
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path

from appliance.asterisk import engine_root
from appliance.asterisk.engine import Engine, EngineSettings
from appliance.services import engine_sync
from tests.engine.sipp import free_port, free_rtp_range


def _engine_ports():
    """Return free (SIP, AMI, HTTP) ports for one Asterisk, from one span.

    Separate free_port() calls may return the same port, and an AMI sharing the HTTP server's port
    never greets (a whole module's logins timed out).
    """
    base = free_port(span=3)
    return base, base + 1, base + 2


def engine_settings(prefix="test"):
    """Return settings for a fresh instance on free loopback ports in the cached engine root."""
    rtp = free_rtp_range(span=400)
    sip, ami, http = _engine_ports()
    return EngineSettings(
        engine_root=engine_root.build(),
        instance=f"{prefix}-{secrets.token_hex(4)}",
        sip_port=sip,
        ami_port=ami,
        http_port=http,
        rtp_start=rtp,
        rtp_end=rtp + 398,
        ami_secret=secrets.token_urlsafe(24),
    )


@contextmanager
def driven_engine(prefix="test", start_empty=False, **settings):
    """Start Asterisk from the current database (or empty), route service changes to it, clean up after.

    The database must already be initialised and migrated. ``settings`` replace EngineSettings fields.
    """
    engine = Engine(dataclasses.replace(engine_settings(prefix), **settings))
    try:
        if start_empty:
            engine.create_dirs()
            from appliance.asterisk import confgen

            for name, text in confgen.render_all(confgen.EngineInput(engine.settings)).items():
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


@contextmanager
def app_with_engine(folder, prefix="test"):
    """A fresh app database in ``folder`` driving its own Asterisk instance (the path `make run` takes)."""
    from appliance import db, migrations

    migrations.upgrade(db.init(f"sqlite:///{Path(folder) / 'app.db'}"))
    try:
        with driven_engine(prefix) as engine:
            yield engine
    finally:
        db.close()


@contextmanager
def installation(var_dir, **extra):
    """An installation's settings (VAR_DIR ``var_dir``) with its engine started on free loopback ports.

    Yields ``(conf, engine)``; the database is initialised and migrated, and service changes reach
    the engine, as in the web app's process.
    """
    from appliance import db, migrations, settings

    var_dir = Path(var_dir)
    (var_dir / "ami_secret").write_text(secrets.token_urlsafe(24) + "\n")
    rtp = free_rtp_range(span=100)
    sip, ami, http = _engine_ports()
    overrides = {
        "VAR_DIR": str(var_dir), "ENGINE_ROOT": str(engine_root.build()),
        "ENGINE_INSTANCE": f"test-{secrets.token_hex(4)}", "SIP_PORT": sip, "AMI_PORT": ami,
        "ENGINE_HTTP_PORT": http, "RTP_START": rtp, "RTP_END": rtp + 98,
    }
    overrides.update(extra)
    conf = settings.load(overrides=overrides, environ={}, config_dir=var_dir / "etc")
    migrations.upgrade(db.init(conf["DATABASE_URL"]))
    engine = Engine(engine_sync.engine_settings(conf))
    try:
        engine_sync.sync(engine)
        engine.start()
        engine_sync.configure(engine)
        yield conf, engine
    finally:
        engine_sync.configure(None)
        engine.stop()
        shutil.rmtree(engine.host_path(engine.instance_dir), ignore_errors=True)
        db.close()


def environment_of(conf):
    """Return the CENTRALINA_* variables that make the CLI use the installation ``conf`` describes."""
    keys = ("VAR_DIR", "ENGINE_ROOT", "ENGINE_INSTANCE", "SIP_PORT", "AMI_PORT", "ENGINE_HTTP_PORT", "RTP_START",
            "RTP_END")
    env = {f"CENTRALINA_{key}": str(conf[key]) for key in keys}
    env["CENTRALINA_CONFIG_DIR"] = str(Path(conf["VAR_DIR"]) / "etc")
    return env


def extension_with_password(number, name, actor=None):
    """Return (extension, its first device's SIP password), creating the extension once."""
    from appliance.services import Actor, extensions

    found = extensions.find_extension(number)
    if found is None:
        found, _ = extensions.create(extensions.ExtensionInput(number, name), actor or Actor.system("test"))
    return found, found.devices[0].sip_password
