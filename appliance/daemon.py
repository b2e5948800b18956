"""The one long-running engine process: scheduler and (with the engine) the AMI listener.

Only one daemon may run per installation: a lock file under VAR_DIR guards it.
"""
import fcntl
import logging
import signal
import threading
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger("centralina.daemon")


class AlreadyRunning(RuntimeError):
    """Another daemon holds the lock."""


def acquire_lock(var_dir):
    """Take the daemon lock or raise AlreadyRunning; the returned file must stay open."""
    path = Path(var_dir) / "daemon.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise AlreadyRunning(f"another centralina daemon holds {path}") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{__import__('os').getpid()}\n")
    handle.flush()
    return handle


def _ingest_call_records(engine):
    from appliance.asterisk import cdr

    try:
        cdr.ingest(engine)
    except Exception:  # the next run retries from the stored cursor; never kill the scheduler
        log.exception("call record ingest failed")


def _push_call_settings():
    from appliance.services import extension_settings

    try:
        extension_settings.push()
    except Exception:  # rows stay marked unpushed; the next run retries
        log.exception("pushing call settings to Asterisk failed")


def _reconcile_call_settings(engine):
    from appliance.asterisk.ami import AmiError
    from appliance.services import extension_settings

    try:
        pushed, taken = extension_settings.reconcile()
        if pushed or taken:
            log.info("call settings reconciled: %d pushed to Asterisk, %d taken from phones", pushed, taken)
    except AmiError as error:
        log.info("call settings not reconciled yet: %s", error)
    except Exception:
        log.exception("reconciling call settings failed")


def on_engine_event(event):
    """Bring what a phone changed into the database: toggles set by feature codes, a mailbox PIN."""
    from appliance.services import extension_settings, voicemail

    name = event.get("Event")
    if name == "UserEvent" and event.get("UserEvent") == "CentralinaToggle":
        extension_settings.mirror_from_engine(event.get("Extension", ""), event.get("Key", ""),
                                              event.get("Value", ""), event.get("Channel", ""))
    elif name == "VoicemailPasswordChange":
        voicemail.mirror_pin_from_engine(event.get("Context", ""), event.get("Mailbox", ""),
                                         event.get("NewPassword", ""))


def _email_voicemail(engine, time_zone):
    from appliance.asterisk import voicemail_spool
    from appliance.services import voicemail_mail

    try:
        voicemail_mail.notify(voicemail_spool.spool_root(engine), time_zone)
    except Exception:  # a failed send is recorded and retried; never kill the scheduler
        log.exception("voicemail e-mail run failed")


def _reconcile_bans(guard):
    try:
        guard.reconcile()
    except Exception:  # the next second retries; never kill the scheduler
        log.exception("reconciling blocks failed")


def _expire_pending_phones(conf):
    from appliance.services import phones

    try:
        phones.expire_pending(conf)
    except Exception:  # the next run tries again; never kill the scheduler
        log.exception("expiring pending phones failed")


def run(conf, stop_event=None):
    """Run until SIGTERM/SIGINT (or ``stop_event``): the scheduler and the engine listeners."""
    from appliance.security.guard import Guard
    from appliance.services import engine_sync
    from appliance.watcher import Watcher

    lock = acquire_lock(conf["VAR_DIR"])
    stop_event = stop_event or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop_event.set())
        signal.signal(signal.SIGINT, lambda *_: stop_event.set())
    scheduler = BackgroundScheduler(timezone=conf["TIMEZONE"])
    engine = engine_sync.configure_from_settings(conf)
    # Blocks in force are back in the kernel before the first event is heard (docs/decisions/009).
    guard = Guard.from_settings(conf).start()
    scheduler.add_job(_reconcile_bans, "interval", args=[guard], seconds=1, id="bans", max_instances=1,
                      coalesce=True)
    watcher = None
    if engine is not None:
        watcher = Watcher(engine, conf["VAR_DIR"], on_event=(guard.on_event, on_engine_event),
                          on_connect=lambda: scheduler.add_job(_reconcile_call_settings, args=[engine])).start()
        # Asterisk's own CDR file is the durable copy; this only moves rows into the app's table.
        scheduler.add_job(_ingest_call_records, "interval", args=[engine], seconds=1, id="cdr-ingest",
                          max_instances=1, coalesce=True)
        scheduler.add_job(_push_call_settings, "interval", seconds=2, id="call-settings-push",
                          max_instances=1, coalesce=True)
        scheduler.add_job(_reconcile_call_settings, "interval", args=[engine], minutes=5,
                          id="call-settings-reconcile", max_instances=1, coalesce=True)
        # Asterisk wrote the message to its spool already; this only reads it and e-mails it.
        # max_instances=1 matters: voicemail_mail treats a row left "sending" as an interrupted run.
        scheduler.add_job(_email_voicemail, "interval", args=[engine, conf["TIMEZONE"]], seconds=5,
                          id="voicemail-email", max_instances=1, coalesce=True)
    # Pending phones nobody assigned (or MACs someone guessed) are forgotten once silent for PROV_PENDING_HOURS.
    scheduler.add_job(_expire_pending_phones, "interval", args=[conf], minutes=10, id="pending-phones-expiry",
                      max_instances=1, coalesce=True)
    scheduler.start()
    log.info("daemon started")
    try:
        stop_event.wait()
    finally:
        scheduler.shutdown(wait=True)
        if watcher is not None:
            watcher.stop()
        lock.close()
        log.info("daemon stopped")
