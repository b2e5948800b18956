"""The one long-running engine process: scheduler and (with the engine) the AMI listener.

Only one daemon may run per installation: a lock file under VAR_DIR guards it.
"""
import fcntl
import logging
import os
import signal
import threading
import time
import zoneinfo
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler

from appliance import call_events, events
from appliance.asterisk import cdr, control, extension_cache, voicemail_spool
from appliance.asterisk import recordings as asterisk_recordings
from appliance.asterisk.ami import AmiError
from appliance.asterisk.confgen.callbacks import DISA_PIN_EVENT, DISA_REQUEST_EVENT
from appliance.asterisk.confgen.callbacks import REQUEST_EVENT as CALLBACK_REQUEST_EVENT
from appliance.asterisk.confgen.callbacks import RESULT_EVENT as CALLBACK_RESULT_EVENT
from appliance.asterisk.confgen.ivr import PROMPT_RECORDED_EVENT
from appliance.asterisk.confgen.messages import SMS_EVENT
from appliance.asterisk.confgen.schedules import OVERRIDE_EVENT
from appliance.asterisk.confgen.supervision import SPY_EVENT
from appliance.asterisk.names import CAP_EVENT
from appliance.security.guard import Guard
from appliance.services import (
    agent_board,
    backup_targets,
    callbacks,
    conference_board,
    conference_guests,
    cost_centers,
    disa,
    engine_sync,
    extension_settings,
    outbound_caps,
    phones,
    prompts,
    queue_board,
    queue_log,
    rates,
    recordings,
    schedule_override,
    schedules,
    site,
    sla_alerts,
    sms,
    supervision,
    trunk_health,
    voicemail,
    voicemail_mail,
    voicemail_transcripts,
    webhook_delivery,
)
from appliance.sms import senders as sms_senders
from appliance.watcher import Watcher

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
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def _reconcile_call_settings(stop=None):
    try:
        pushed, taken = extension_settings.reconcile(stop)
    except AmiError as error:  # Asterisk down or restarting: the next connect runs it again
        log.info("call settings not reconciled yet: %s", error)
        return
    if pushed or taken:
        log.info("call settings reconciled: %d pushed to Asterisk, %d taken from phones", pushed, taken)


def on_engine_event(event):
    """Bring what a phone changed into the database (toggles set by feature codes, a mailbox PIN), and trunk health."""
    name = event.get("Event")
    if name in ("Registry", "ContactStatus"):
        trunk_health.on_engine_event(event)
    elif name == "UserEvent" and event.get("UserEvent") == "CentralinaToggle":
        extension_settings.mirror_from_engine(event.get("Extension", ""), event.get("Key", ""),
                                              event.get("Value", ""), event.get("Channel", ""))
    elif name == "UserEvent" and event.get("UserEvent") == PROMPT_RECORDED_EVENT:
        prompts.adopt_recording(event.get("Prompt", ""), event.get("Extension", ""))
    elif name == "UserEvent" and event.get("UserEvent") == CAP_EVENT:
        outbound_caps.cap_tripped(event.get("Extension", ""), event.get("Profile", ""), event.get("Cap", ""))
    elif name == "UserEvent" and event.get("UserEvent") == SMS_EVENT:
        sms.receive_internal_event(event.get("From", ""), event.get("To", ""), event.get("Body", ""))
    elif name == "UserEvent" and event.get("UserEvent") == OVERRIDE_EVENT:
        schedule_override.mirror_from_engine(event.get("Schedule", ""), event.get("Mode", ""), event.get("By", ""))
    elif name == "OriginateResponse":
        callbacks.on_originate_response(event.get("ActionID", ""), event.get("Response", ""), event.get("Reason", ""))
    elif name == "UserEvent" and event.get("UserEvent") == CALLBACK_RESULT_EVENT:
        callbacks.on_result(event.get("Id", ""), event.get("Status", ""))
    elif name == "UserEvent" and event.get("UserEvent") == CALLBACK_REQUEST_EVENT:
        callbacks.request_from_engine(event.get("Number", ""), event.get("Agent", ""), event.get("Position", ""),
                                      event.get("Uniqueid", ""))
    elif name == "UserEvent" and event.get("UserEvent") == DISA_REQUEST_EVENT:
        disa.call_in(event.get("Number", ""))
    elif name == "UserEvent" and event.get("UserEvent") == DISA_PIN_EVENT:
        disa.check_pin(event.get("Id", ""), event.get("Pin", ""), event.get("Channel", ""))
    elif name == "UserEvent" and event.get("UserEvent") == SPY_EVENT:
        supervision.spied_by_code(event.get("Supervisor", ""), event.get("Agent", ""), event.get("Mode", ""))
    elif name == "VoicemailPasswordChange":
        voicemail.mirror_pin_from_engine(event.get("Context", ""), event.get("Mailbox", ""),
                                         event.get("NewPassword", ""))


def _queue_log(engine):
    """Return the path of the queue_log file Asterisk writes (confgen/logger.py)."""
    return engine.host_path(engine.instance_dir / "log" / "queue_log")


def _cached(function, seconds):
    """Return ``function`` remembering its answer for ``seconds`` (a setting read on every AMI event)."""
    memo = {"at": -seconds, "value": None}

    def cached():
        if time.monotonic() - memo["at"] >= seconds:
            memo["value"], memo["at"] = function(), time.monotonic()
        return memo["value"]
    return cached


def _safely(name, function):
    """Return ``function`` logging instead of raising: a failed run is retried by the next, the scheduler lives on.

    Every job is safe to repeat: its work is in durable rows (call records by cursor, unpushed
    toggles, mailings, blocks), so the next run picks up what this one left.
    """
    def job(*args):
        try:
            function(*args)
        except Exception:
            log.exception("%s failed", name)
    job.__name__ = name
    return job


def _every(scheduler, name, function, *args, **interval):
    """Run ``function(*args)`` every ``interval`` (seconds=1, minutes=5…), never two at once."""
    scheduler.add_job(_safely(name, function), "interval", args=list(args), id=name, max_instances=1,
                      coalesce=True, **interval)


#: How often the daemon looks at VAR_DIR/site.json (one stat).
SITE_SECONDS = 5


def _follow_site(conf, scheduler, queues, seen):
    """Take the site settings saved in the web app into ``conf``; move what holds the time zone (decision 041).

    ``seen``: {"zone": the zone the scheduler and the queue board hold}. Compared by value, since any
    caller of the refresh (an engine sync's compile too) may be the one that took the new file.
    """
    site.refresh(conf)
    zone = conf["TIMEZONE"]
    if zone == seen["zone"]:
        return
    seen["zone"] = zone
    scheduler.reschedule_job("schedule-calendar", trigger="cron", month=1, day="1-7", hour=3, timezone=zone)
    if queues is not None:
        queues.zone = zoneinfo.ZoneInfo(zone)
        queues.seed()  # today's figures from the new day's midnight
    log.info("site settings now: time zone %s, country %s, language %s", zone, conf["COUNTRY"],
             conf["DEFAULT_LOCALE"])


def run(conf, stop_event=None):
    """Run until SIGTERM/SIGINT (or ``stop_event``): the scheduler and the engine listeners."""
    lock = acquire_lock(conf["VAR_DIR"])
    stop_event = stop_event or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop_event.set())
        signal.signal(signal.SIGINT, lambda *_: stop_event.set())
    scheduler = BackgroundScheduler(timezone=conf["TIMEZONE"])
    engine = engine_sync.configure_from_settings(conf)
    # Blocks in force are back in the kernel before the first event is heard (docs/decisions/009).
    guard = Guard.from_settings(conf).start()
    _every(scheduler, "bans", guard.reconcile, seconds=1)
    watcher = queues = None
    if engine is not None:
        reconcile = _safely("call-settings-reconcile", lambda: _reconcile_call_settings(stop_event))
        # Events missed while Asterisk was away: trunk states are asked for again on every (re)connect.
        trunks = _safely("trunk-health", trunk_health.refresh)
        calls = call_events.CallTracker()
        overrides = _safely("schedule-overrides-push", schedule_override.push_all)
        # Queue agents' live state: events as they come, the whole board again after every (re)connect.
        board = agent_board.AgentBoard(conf["VAR_DIR"], fetch=lambda: control.current().queue_members())
        agents = _safely("agent-board", board.resync)
        # Conference rooms' participants, the same way (services/conference_board.py).
        rooms = conference_board.ConferenceBoard(conf["VAR_DIR"], fetch=lambda: control.current().conferences())
        rooms_resync = _safely("conference-board", rooms.resync)
        # Queues' callers and today's figures (issue 14 dashboard): events, then queue_log + QueueStatus on connect.
        queues = queue_board.QueueBoard(conf["VAR_DIR"], conf["TIMEZONE"], queue_log=lambda: _queue_log(engine),
                                        thresholds=_cached(supervision.sl_thresholds, 10))
        callers = _safely("queue-board", lambda: (queues.seed(), queues.resync(control.current().queue_callers())))
        # The extensions' row cache (decision 047): filled after every (re)connect unless complete, rebuilt
        # in chunks whenever a write failed; the stop event ends a fill between chunks.
        row_cache = _safely("extension-cache", lambda: extension_cache.keep(engine, stop_event, check_filled=True))
        _every(scheduler, "extension-cache", extension_cache.keep, engine, stop_event, seconds=2)
        watcher = Watcher(engine, conf["VAR_DIR"],
                          on_event=(guard.on_event, on_engine_event, calls.on_engine_event, board.on_event,
                                    rooms.on_event, queues.on_event),
                          on_connect=lambda: (scheduler.add_job(reconcile), scheduler.add_job(trunks),
                                              scheduler.add_job(overrides), scheduler.add_job(agents),
                                              scheduler.add_job(rooms_resync), scheduler.add_job(callers),
                                              scheduler.add_job(row_cache))).start()
        # Callbacks (services/callbacks.py): due rows start here; attempts whose outcome was lost are retried.
        _every(scheduler, "callbacks", callbacks.run_due, seconds=1)
        _every(scheduler, "callbacks-recover", callbacks.recover, seconds=60)
        # Conference guests' browser logins end with their pass: rows and engine logins go together.
        _every(scheduler, "conference-guests-expiry", conference_guests.forget_expired, seconds=60)
        # Asterisk's own CDR file is the durable copy; this only moves rows into the app's table.
        _every(scheduler, "cdr-ingest", cdr.ingest, engine, seconds=1)
        # queue_log lines into the reports' table, exactly once (a cursor committed with the rows).
        _every(scheduler, "queue-log-ingest", queue_log.ingest, _queue_log(engine),
               queue_log.source_key(engine.settings.instance), seconds=5)
        # SLA and pause-limit alerts: once per episode (rows), within seconds of the crossing (issue 14).
        _every(scheduler, "sla-alerts", sla_alerts.check, conf["VAR_DIR"], seconds=5)
        _every(scheduler, "call-settings-push", extension_settings.push, None, stop_event, seconds=2)
        # The international minutes cap reads these counters at call time (confgen/outbound.py).
        _every(scheduler, "international-minutes",
               lambda: outbound_caps.publish_international_minutes(conf["TIMEZONE"]), seconds=10)
        _every(scheduler, "call-settings-reconcile", _reconcile_call_settings, stop_event, minutes=5)
        # Events bring state changes at once; the qualify round trip only comes by asking.
        _every(scheduler, "trunk-health", trunk_health.refresh, seconds=trunk_health.REFRESH_SECONDS)
        # Asterisk wrote the message to its spool already; this only reads it and e-mails it.
        # max_instances=1 matters: voicemail_mail treats a row left "sending" as an interrupted run.
        _every(scheduler, "voicemail-email",
               lambda: voicemail_mail.notify(voicemail_spool.spool_root(engine), conf["TIMEZONE"]), seconds=5)
        # Automatic transcripts of new voicemail (decision 035), when the mailbox's language has a model.
        voicemail_transcripts.configure(engine.host_path(engine.instance_dir))
        _every(scheduler, "voicemail-transcripts", voicemail_transcripts.transcribe_new,
               voicemail_spool.spool_root(engine), seconds=10)
        # Recordings (decision 031): Asterisk's finished file is the durable copy until it is stored compressed.
        _every(scheduler, "recordings-ingest", asterisk_recordings.ingest, engine, recordings.store_dir(conf),
               conf["RECORDINGS_FORMAT"], conf["RECORDINGS_KEEP_DAYS"], seconds=2)
    _every(scheduler, "recordings-retention", recordings.purge_expired, recordings.store_dir(conf), minutes=10)
    # Rates (decision 031): outside calls are priced from the call records, after a cursor, seconds after ingest.
    _every(scheduler, "call-pricing", rates.price_new, seconds=5)
    # Cost centers' budgets: each center's 80 % and 100 % alert, once per month (after the costs they count).
    _every(scheduler, "budget-alerts", cost_centers.check_budgets, minutes=5)
    # SMS (decision 019): queued rows go out from here; SMPP holds one bind per provider in its own thread.
    smpp_sessions = sms_senders.SmppSessions()
    _every(scheduler, "sms-smpp-sessions", smpp_sessions.reconcile, seconds=10)
    _every(scheduler, "sms-http", sms_senders.send_http_due, seconds=2)
    _every(scheduler, "sms-fragments-expiry", sms.forget_stale_fragments, hours=1)
    if engine is not None:
        _every(scheduler, "sms-internal", sms_senders.send_internal_due, seconds=1)
    # Business hours: an expired override is ignored by the dialplan at once; this clears it from the page and
    # AstDB. Holiday lists hold this year and the next; recompiled in January's first days (decision 020).
    _every(scheduler, "schedule-override-expiry", schedule_override.expire, seconds=30)
    scheduler.add_job(_safely("schedule-calendar", schedules.roll_calendar), "cron", month=1, day="1-7", hour=3,
                      id="schedule-calendar", max_instances=1, coalesce=True)
    # Pending phones nobody assigned (or MACs someone guessed) are forgotten once silent for PROV_PENDING_HOURS.
    _every(scheduler, "pending-phones-expiry", phones.expire_pending, conf, minutes=10)
    # Webhooks are sent from durable rows by their own thread (woken by each publish); old rows go hourly.
    webhook_config = webhook_delivery.Config.from_settings(conf)
    sender = webhook_delivery.Sender(webhook_config).start()
    _every(scheduler, "events-prune", events.prune, conf["EVENTS_KEEP_HOURS"], hours=1)
    _every(scheduler, "webhook-log-prune", webhook_delivery.prune, webhook_config.keep_days, hours=1)
    # Encrypted backups once a day at the hour the admin chose, then retention (decision 039); then the upload
    # to an off-box target, retried at each run until it succeeds (decision 049).
    _every(scheduler, "backups", backup_targets.run_due, conf, minutes=10)
    # A time zone, country or language changed in the web app (VAR_DIR/site.json): jobs read conf at each run.
    _every(scheduler, "site-settings", _follow_site, conf, scheduler, queues, {"zone": conf["TIMEZONE"]},
           seconds=SITE_SECONDS)
    scheduler.start()
    log.info("daemon started")
    try:
        stop_event.wait()
    finally:
        scheduler.shutdown(wait=True)
        sender.stop()
        smpp_sessions.stop()
        if watcher is not None:
            watcher.stop()
        lock.close()
        log.info("daemon stopped")
