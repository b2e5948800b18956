"""Send webhooks from durable rows: fan events out to endpoints, sign, post, retry with backoff.

Runs in the daemon only (one sender). Every event an endpoint subscribes to becomes a
``webhook_deliveries`` row in the transaction that moves the fan-out cursor, so a restart
loses none and duplicates none; a row stays ``pending`` until a 2xx answer, each failure
moving its next attempt further out (WEBHOOK_RETRY_BASE_SECONDS × 4ⁿ, at most 6 h, ±10 %).
A crash between a receiver's 2xx and our commit sends that one row again: receivers dedupe
on ``Centralina-Webhook-Id``. An endpoint failing for WEBHOOK_DISABLE_AFTER_DAYS (or answering
410 Gone) is turned off, audited, and the administrators are e-mailed.

Signature (like Stripe's): ``Centralina-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<body>" keyed with the endpoint's secret>``; receivers refuse a ``t`` more than
SIGNATURE_TOLERANCE seconds from their clock (replay window).
"""
import concurrent.futures
import datetime
import hashlib
import hmac
import http.client
import logging
import random
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass

from appliance import events
from appliance.db import database
from appliance.models.call_history import IngestCursor
from appliance.models.users import User, utcnow
from appliance.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from appliance.services import Actor, audit, mail, webhooks

log = logging.getLogger("centralina.webhooks")

CURSOR = "webhooks:events"
#: Receivers should refuse signatures older (or newer) than this many seconds.
SIGNATURE_TOLERANCE = 300
#: The longest pause between two attempts of one delivery.
MAX_DELAY = 6 * 3600
#: Deliveries sent at once (each in its own thread): one slow receiver does not hold the others.
PARALLEL = 8
#: Deliveries claimed per round.
BATCH = 200
USER_AGENT = "Centralina-Webhooks/1"


@dataclass
class Config:
    """The settings the sender reads (appliance/settings.py)."""

    allow_private: bool = False
    timeout: float = 10.0
    retry_base: float = 5.0
    max_attempts: int = 15
    disable_after_days: float = 5.0
    keep_days: int = 30

    @classmethod
    def from_settings(cls, conf):
        """Build a Config from the settings dict."""
        return cls(bool(conf["WEBHOOK_ALLOW_PRIVATE"]), float(conf["WEBHOOK_TIMEOUT"]),
                   float(conf["WEBHOOK_RETRY_BASE_SECONDS"]), int(conf["WEBHOOK_MAX_ATTEMPTS"]),
                   float(conf["WEBHOOK_DISABLE_AFTER_DAYS"]), int(conf["WEBHOOK_LOG_KEEP_DAYS"]))


def sign(secret, timestamp, body):
    """Return the ``Centralina-Signature`` value of ``body`` (text) at ``timestamp`` (unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def delay(attempts, base):
    """Return the seconds before attempt ``attempts + 1``: exponential, capped, with ±10 % jitter."""
    seconds = min(base * 4 ** max(attempts - 1, 0), MAX_DELAY)
    return seconds * random.uniform(0.9, 1.1)


# -- fan-out -----------------------------------------------------------------------------------

def fan_out(limit=1000):
    """Turn events published since the cursor into deliveries for the endpoints subscribed; return how many."""
    cursor = IngestCursor.get_or_none(IngestCursor.source == CURSOR)
    # The first run reads every event kept: those older than an endpoint are not sent to it (below).
    position = cursor.position if cursor else 0
    new = events.read_since(position, limit=limit)
    if not new:
        return 0
    endpoints = [(row, set(row.type_list())) for row in WebhookEndpoint.select().where(WebhookEndpoint.enabled)]
    rows = []
    for event in new:
        for endpoint, types in endpoints:
            if event.type in types and event.created_at >= endpoint.created_at:
                uid = f"evt_{event.id}_{endpoint.id}"
                rows.append({"endpoint": endpoint.id, "event_id": event.id, "uid": uid, "type": event.type,
                             "payload": webhooks.body(uid, event.type, event.data(), event.id, event.created_at),
                             "status": "pending", "attempts": 0, "next_attempt_at": event.created_at,
                             "created_at": utcnow()})
    with database.atomic():
        for start in range(0, len(rows), 100):
            WebhookDelivery.insert_many(rows[start:start + 100]).on_conflict_ignore().execute()
        _move_cursor(new[-1].id)
    return len(rows)


def _move_cursor(position):
    IngestCursor.insert(source=CURSOR, position=position, marker="", updated_at=utcnow()).on_conflict(
        conflict_target=[IngestCursor.source], preserve=[IngestCursor.position, IngestCursor.updated_at]).execute()


# -- sending -----------------------------------------------------------------------------------

class Refused(Exception):
    """The URL's address is not allowed, or it cannot be resolved."""


def resolve(url, allow_private):
    """Return (parts, port, address) for ``url``: the first allowed address it resolves to, or raise Refused."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise Refused(f"cannot resolve {parts.hostname}: {error}") from error
    for *_, sockaddr in infos:
        address = webhooks.literal_address(sockaddr[0])
        if address is not None and webhooks.address_allowed(address, allow_private):
            return parts, port, sockaddr[0]
    raise Refused(f"{parts.hostname} resolves to no address webhooks may reach")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connect to the address checked, not to whatever the name resolves to a moment later."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        """Open the TCP connection to the pinned address."""
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as http.client does: no Nagle wait


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        """Open TLS to the pinned address, checking the certificate against the URL's host name."""
        raw = socket.create_connection((self._address, self.port), self.timeout)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


@dataclass
class Outcome:
    """What one attempt got."""

    code: int | None = None
    body: str = ""
    error: str = ""
    latency_ms: float = 0.0

    @property
    def ok(self):
        """Tell whether the receiver took it (2xx)."""
        return self.code is not None and 200 <= self.code < 300


#: Each sending thread keeps its connections open (HTTP/1.1 keep-alive): a TCP (and TLS) handshake
#: per delivery would cap the rate long before the receiver does.
_open = threading.local()
#: Bytes of an answer read: the log keeps 500; a longer one is read no further and the connection dropped.
ANSWER_LIMIT = 65536


def _connection(parts, port, address, timeout):
    cache = _open.__dict__.setdefault("connections", {})
    key = (parts.scheme, parts.hostname, port, address)
    connection = cache.get(key)
    reused = connection is not None
    if connection is None:
        kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
        connection = cache[key] = kind(parts.hostname, port, address, timeout)
    return key, connection, reused


def _forget(key):
    connection = _open.__dict__.get("connections", {}).pop(key, None)
    if connection is not None:
        connection.close()


def post(url, secret, uid, type_, body, config):
    """POST one signed delivery; return its Outcome (never raises). Redirects are not followed."""
    started = time.monotonic()
    try:
        parts, port, address = resolve(url, config.allow_private)
    except Refused as error:
        return Outcome(None, "", str(error)[:255], (time.monotonic() - started) * 1000)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    for _ in range(2):
        key, connection, reused = _connection(parts, port, address, config.timeout)
        try:
            connection.request("POST", target, body.encode(), {
                "Content-Type": "application/json", "User-Agent": USER_AGENT, "Centralina-Webhook-Id": uid,
                "Centralina-Event-Type": type_, "Centralina-Signature": sign(secret, int(time.time()), body)})
            response = connection.getresponse()
            answer = response.read(ANSWER_LIMIT).decode("utf-8", "replace")
            if response.will_close or not response.isclosed():
                _forget(key)
            return Outcome(response.status, answer[:500], "", (time.monotonic() - started) * 1000)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as error:
            _forget(key)
            if not reused:  # a fresh connection failed: the receiver's fault, not an idle one closed
                return Outcome(None, "", (str(error) or type(error).__name__)[:255],
                               (time.monotonic() - started) * 1000)
        except (OSError, http.client.HTTPException) as error:
            _forget(key)
            return Outcome(None, "", (str(error) or type(error).__name__)[:255], (time.monotonic() - started) * 1000)
    return Outcome(None, "", "connection closed", (time.monotonic() - started) * 1000)


def due(limit=BATCH, now=None):
    """Return the pending deliveries whose time came, of endpoints that are on, oldest first."""
    now = now or utcnow()
    return list(WebhookDelivery.select(WebhookDelivery, WebhookEndpoint).join(WebhookEndpoint)
                .where((WebhookDelivery.status == "pending") & (WebhookDelivery.next_attempt_at <= now)
                       & WebhookEndpoint.enabled)
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))


def send_due(config, pool=None):
    """Send every due delivery (in parallel), then record the outcomes in one transaction; return how many."""
    batch = due()
    if not batch:
        return 0
    own = pool is None
    pool = pool or concurrent.futures.ThreadPoolExecutor(PARALLEL)
    try:
        outcomes = list(pool.map(lambda row: post(row.endpoint.url, row.endpoint.secret, row.uid, row.type,
                                                  row.payload, config), batch))
    finally:
        if own:
            pool.shutdown()
    record_outcomes(list(zip(batch, outcomes, strict=True)), config)
    return len(batch)


def record_outcomes(results, config, now=None):
    """Write each (delivery, Outcome): the attempt log, the delivery's state, the endpoint's health.

    In one transaction and in bulk (one statement for the attempts, one executemany for the
    deliveries): at a hundred deliveries a second, a statement per row is the sender's bottleneck.
    """
    now = now or utcnow()
    to_disable, succeeded, failed = {}, set(), set()
    attempts, updates = [], []
    for delivery, outcome in results:
        latency = round(outcome.latency_ms, 1)
        attempts.append({"delivery": delivery.id, "at": now, "response_code": outcome.code,
                         "response_body": outcome.body[:500], "error": outcome.error[:255], "latency_ms": latency})
        count = delivery.attempts + 1
        if outcome.ok:
            status, next_at = "delivered", None
            succeeded.add(delivery.endpoint_id)
        else:
            gave_up = count >= config.max_attempts
            status = "failed" if gave_up else "pending"
            next_at = None if gave_up else now + datetime.timedelta(seconds=delay(count, config.retry_base))
            failed.add(delivery.endpoint_id)
            if outcome.code == 410:
                to_disable[delivery.endpoint_id] = "gone"
        updates.append((status, count, WebhookDelivery.next_attempt_at.db_value(next_at),
                        WebhookDelivery.last_attempt_at.db_value(now), outcome.code, outcome.error[:255], latency,
                        delivery.id))
    mark = database.param
    sql = (f"UPDATE webhook_deliveries SET status = {mark}, attempts = {mark}, next_attempt_at = {mark}, "
           f"last_attempt_at = {mark}, response_code = {mark}, error = {mark}, latency_ms = {mark} WHERE id = {mark}")
    with database.atomic():
        for start in range(0, len(attempts), 100):
            WebhookAttempt.insert_many(attempts[start:start + 100]).execute()
        database.cursor().executemany(sql, updates)
        if succeeded:
            WebhookEndpoint.update(failing_since=None, last_success_at=now).where(
                WebhookEndpoint.id.in_(sorted(succeeded - failed))).execute()
        if failed:
            WebhookEndpoint.update(failing_since=now).where(
                WebhookEndpoint.id.in_(sorted(failed)) & WebhookEndpoint.failing_since.is_null()).execute()
            cutoff = now - datetime.timedelta(days=config.disable_after_days)
            for endpoint in WebhookEndpoint.select().where(WebhookEndpoint.id.in_(sorted(failed))
                                                           & (WebhookEndpoint.failing_since <= cutoff)):
                to_disable.setdefault(endpoint.id, "failing")
        disabled = [_disable(endpoint_id, reason, config, now) for endpoint_id, reason in to_disable.items()]
    for endpoint in disabled:
        if endpoint is not None:
            _tell_admins(endpoint)


def _disable(endpoint_id, reason, config, now):
    endpoint = WebhookEndpoint.get_by_id(endpoint_id)
    if not endpoint.enabled:
        return None
    endpoint.enabled = False
    endpoint.disabled_reason = ("The receiver answered 410 Gone." if reason == "gone" else
                                f"Every delivery failed for {config.disable_after_days:g} days.")
    endpoint.save()
    # Its queue ends here: an admin who turns it on again redelivers what matters from the log.
    WebhookDelivery.update(status="failed", next_attempt_at=None, error="endpoint disabled").where(
        (WebhookDelivery.endpoint == endpoint.id) & (WebhookDelivery.status == "pending")).execute()
    audit.record(Actor.system("webhooks"), "webhook.disabled", "webhook", endpoint.id, endpoint.name,
                 after={"reason": endpoint.disabled_reason, "url": endpoint.url})
    log.warning("webhook %s (%s) disabled: %s", endpoint.name, endpoint.url, endpoint.disabled_reason)
    return endpoint


def _tell_admins(endpoint):
    """E-mail every active administrator with an address that the endpoint was turned off."""
    if not mail.is_configured():
        return
    recipients = [user.email for user in User.select().where((User.role == "admin") & User.active & (User.email != ""))
                  if mail.valid_address(user.email)]
    for address in recipients:
        message = mail.new_message(address, f"Centralina: webhook {endpoint.name} disabled",
                                   f"The webhook {endpoint.name} ({endpoint.url}) was turned off.\n"
                                   f"{endpoint.disabled_reason}\n\nTurn it on again on the Webhooks page once the "
                                   "receiver works; failed deliveries can be sent again from its delivery log.\n")
        try:
            mail.send(message)
        except mail.MailError as error:
            log.warning("could not e-mail %s about webhook %s: %s", address, endpoint.name, error)


def prune(keep_days, now=None):
    """Delete finished deliveries (and their attempts) older than ``keep_days``; return how many."""
    cutoff = (now or utcnow()) - datetime.timedelta(days=keep_days)
    old = WebhookDelivery.select(WebhookDelivery.id).where(
        (WebhookDelivery.created_at < cutoff) & (WebhookDelivery.status != "pending"))
    with database.atomic():
        WebhookAttempt.delete().where(WebhookAttempt.delivery.in_(old)).execute()
        return WebhookDelivery.delete().where(WebhookDelivery.id.in_(old)).execute()


class Sender:
    """The daemon's webhook thread: fan out and send, woken at once by a publish in this process."""

    #: Rounds at least this often without a wake-up (retries come due, other processes publish).
    IDLE = 0.5

    def __init__(self, config):
        self.config = config
        self._stop = threading.Event()
        self._pool = concurrent.futures.ThreadPoolExecutor(PARALLEL, thread_name_prefix="webhook-post")
        self._thread = threading.Thread(target=self._run, name="centralina-webhooks", daemon=True)

    def start(self):
        """Start sending; return self."""
        self._thread.start()
        return self

    def stop(self):
        """Stop after the round in progress."""
        self._stop.set()
        events.wake()
        self._thread.join(self.config.timeout + 5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self):
        while not self._stop.is_set():
            busy = False
            try:
                busy = bool(fan_out()) | bool(send_due(self.config, self._pool))
            except Exception:
                log.exception("webhook round failed")
            if not busy and not self._stop.is_set():
                events.wait_published(self.IDLE)

