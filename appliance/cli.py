"""The ``centralina`` command: database, accounts, demo data and running the appliance."""
import os
import sys

import click

from appliance import db, migrations, permissions, settings
from appliance.errors import DomainError
from appliance.services import Actor, users


def _open(ctx):
    permissions.private_umask()  # before anything writes VAR_DIR: the database holds every secret
    conf = settings.load()
    permissions.secure_var_dir(conf["VAR_DIR"])
    db.init(conf["DATABASE_URL"])
    ctx.obj = conf
    return conf


def _fail(error):
    raise click.ClickException(error.message % error.params if error.params else error.message)


@click.group()
@click.pass_context
def main(ctx):
    """Centralina IP-PBX appliance."""
    _open(ctx)


@main.group("db")
def db_group():
    """Database schema."""


@db_group.command("upgrade")
def db_upgrade():
    """Apply pending migrations (creates the database when missing)."""
    applied = migrations.upgrade(db.database.obj, log=click.echo)
    click.echo(f"database at version {migrations.current(db.database.obj):04d}" + ("" if applied else " (up to date)"))


@db_group.command("version")
def db_version():
    """Print the schema version of the database and of this code."""
    click.echo(f"database {migrations.current(db.database.obj):04d}, code {migrations.head():04d}")


@main.group("admin")
def admin_group():
    """Web accounts."""


@admin_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "supervisor", "user"]), default="admin", show_default=True)
@click.option("--name", "display_name", default="")
@click.option("--email", default="")
@click.password_option(help="Password (asked when not given).")
def admin_create(username, role, display_name, email, password):
    """Create a web account."""
    data = users.UserInput(username=username, password=password, display_name=display_name, email=email, role=role)
    try:
        user = users.create(data, Actor.system("cli"))
    except DomainError as error:
        _fail(error)
    click.echo(f"created {user.username} ({user.role})")


@admin_group.command("reset-password")
@click.argument("username")
@click.option("--password", default=None, help="Set this password instead of a random one.")
def admin_reset_password(username, password):
    """Give an account a new password (random unless --password) and print it."""
    user = users.find_user(username)
    if user is None:
        raise click.ClickException(f"no user called {username!r}")
    try:
        if password:
            users.set_password(user.id, password, Actor.system("cli"))
        else:
            password = users.reset_password(user.id, Actor.system("cli"))
    except DomainError as error:
        _fail(error)
    click.echo(f"new password for {user.username}: {password}")


@main.group("engine")
def engine_group():
    """The Asterisk engine."""


@engine_group.command("build")
@click.option("--force", is_flag=True, help="Rebuild even when the cached root is current.")
def engine_build(force):
    """Build (or reuse from the cache) the engine root filesystem with Asterisk."""
    from appliance.asterisk import engine_root

    click.echo(f"engine root: {engine_root.build(force=force, log=click.echo)}")


def _engine(conf):
    from appliance.asterisk.engine import Engine
    from appliance.services import engine_sync

    return Engine(engine_sync.engine_settings(conf))


@engine_group.command("status")
@click.pass_obj
def engine_status(conf):
    """Print Asterisk's version, uptime, registered contacts and active channels."""
    engine = _engine(conf)
    if not engine.is_running():
        raise click.ClickException(f"Asterisk is not running (instance {engine.settings.instance})")
    for key, value in engine.status().items():
        click.echo(f"{key}: {value}")


@engine_group.command("apply")
@click.pass_obj
def engine_apply(conf):
    """Compile the database into the engine's configuration and apply what changed."""
    from appliance.services import engine_sync

    result = engine_sync.sync(_engine(conf))
    if result.generation is None:
        click.echo("nothing changed")
    else:
        click.echo(f"generation {result.generation}: changed {', '.join(result.changed)}; "
                   f"reloaded {', '.join(result.reloaded) or 'nothing'}"
                   + (f"; restart needed for {', '.join(result.restart_needed)}" if result.restart_needed else ""))


@engine_group.command("foreground")
@click.pass_obj
def engine_foreground(conf):
    """Compile the configuration, then become Asterisk in the foreground (the appliance's systemd unit).

    Run as root: the files are written and handed to Asterisk's account as ``centralina run``
    does before each start, VAR_DIR goes back to APP_USER, and the process is replaced by
    ``asterisk -f`` (dropping to ENGINE_USER), so systemd supervises Asterisk itself.
    """
    import pwd

    from appliance.asterisk import engine_root
    from appliance.services import engine_sync

    engine = engine_sync.configure_from_settings(conf)
    if engine is None:
        raise click.ClickException("ENGINE_ENABLED is off")
    if engine.is_running():
        raise click.ClickException(f"an Asterisk already serves instance {engine.settings.instance}")
    migrations.upgrade(db.database.obj)
    engine_sync.sync(engine)
    engine.share_files()
    user = []
    if os.geteuid() == 0 and engine.account() is not None:
        modules_conf = engine.host_path(engine.instance_dir / "etc" / "modules.conf")
        engine_root.confine_modules(engine.settings.engine_root, modules_conf.read_text())
        user = ["-U", engine.settings.run_user, "-G", engine.settings.run_user]
        if conf.get("APP_USER"):
            app = pwd.getpwnam(conf["APP_USER"])
            permissions.secure_var_dir(conf["VAR_DIR"], (app.pw_uid, app.pw_gid))
    command = engine._command("-f", *user)
    os.umask(permissions.ENGINE_UMASK)
    os.execvp(command[0], command)


@engine_group.command("restart")
@click.pass_obj
def engine_restart(conf):
    """Restart Asterisk in place once its calls have ended (``core restart gracefully``)."""
    engine = _engine(conf)
    if not engine.is_running():
        raise click.ClickException("Asterisk is not running")
    engine.cli("core restart gracefully")
    click.echo("Asterisk restarts when its active calls have ended")


@main.group("phones")
def phones_group():
    """Desk phones provisioned over HTTP."""


@phones_group.command("add")
@click.option("--mac", required=True)
@click.option("--vendor", required=True)
@click.option("--model", required=True)
@click.option("--extension", "extension_number", required=True)
@click.pass_obj
def phones_add(conf, mac, vendor, model, extension_number):
    """Attach a phone to an extension (idempotent); print JSON with "changed"."""
    import json

    from appliance.services import engine_sync, phones

    engine_sync.configure_from_settings(conf)
    try:
        device, changed = phones.save_phone(phones.PhoneInput(mac, vendor, model, extension_number),
                                            Actor.system("cli"), minutes=conf["PROV_BOOTSTRAP_MINUTES"])
    except DomainError as error:
        if hasattr(error, "fields"):
            raise click.ClickException("; ".join(m % p if p else m for m, p in error.fields.values())) from None
        _fail(error)
    click.echo(json.dumps({"changed": changed, "mac": device.mac, "extension": device.extension.number,
                           "sip_username": device.sip_username}))


@phones_group.command("resync")
@click.option("--mac", "macs", multiple=True, required=True)
@click.pass_obj
def phones_resync(conf, macs):
    """Send the check-sync NOTIFY to the phones with these MACs."""
    from appliance.services import engine_sync, phones

    engine_sync.configure_from_settings(conf)
    found = [phones.find_phone(mac) for mac in macs]
    missing = [mac for mac, device in zip(macs, found, strict=True) if device is None]
    if missing:
        raise click.ClickException(f"no phone with MAC {', '.join(missing)}")
    try:
        sent = phones.resync([device.id for device in found], Actor.system("cli"))
    except DomainError as error:
        _fail(error)
    click.echo(f"re-provisioning asked of {sent} phone(s)")


@main.command("seed-demo")
@click.pass_obj
def seed_demo(conf):
    """Create the demo company on an empty database; print the admin login."""
    from appliance import demo

    migrations.upgrade(db.database.obj)
    demo.seed(conf)
    click.echo(demo.login_hint(conf))


@main.command("daemon")
@click.pass_obj
def daemon(conf):
    """Run the engine daemon (one per installation) until stopped."""
    import logging

    from appliance import daemon as daemon_module

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # it logs every run of every job at INFO
    try:
        daemon_module.run(conf)
    except daemon_module.AlreadyRunning as error:
        raise click.ClickException(str(error)) from None


@main.command("voicebot")
@click.pass_obj
def voicebot(conf):
    """Run the VoiceBot server (Asterisk's AudioSocket connects to it) until stopped."""
    import logging

    from appliance.voicebot import server

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    server.run(conf)


@main.command("run")
@click.pass_obj
def run(conf):
    """Run the whole appliance in the foreground (web app, daemon, engine) until Ctrl-C."""
    from appliance import supervisor

    sys.exit(supervisor.run(conf))


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
