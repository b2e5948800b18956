"""Layered settings shared by the web app, the daemon and the CLI.

Defaults, then ``/etc/centralina/*.cfg`` (Python ``KEY = value`` files, read in
name order so a drop-in ``50-local.cfg`` overrides the shipped ``00-defaults.cfg``),
then ``CENTRALINA_<KEY>`` environment variables, then explicit overrides (tests).
"""
import json
import os
import secrets
from pathlib import Path

from appliance import permissions

CONFIG_DIR = Path(os.environ.get("CENTRALINA_CONFIG_DIR", "/etc/centralina"))
PROJECT_DIR = Path(__file__).resolve().parent.parent

DEFAULTS = {
    # Where mutable state lives: the database, the secret key, generations, uploads.
    "VAR_DIR": str(PROJECT_DIR / "var"),
    # sqlite:///path (default, under VAR_DIR) or postgresql://user:pass@host/db
    "DATABASE_URL": "",
    # Signs sessions and CSRF tokens; generated once into VAR_DIR when empty.
    "SECRET_KEY": "",
    # Idle minutes before a session ends, and its absolute lifetime in hours.
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_MAX_HOURS": 12,
    # Wrong passwords allowed for one account from one address, and from one address over every
    # account (password spraying), before each further one makes that address wait (decision 010).
    "LOGIN_FREE_FAILURES_PER_ACCOUNT": 3,
    "LOGIN_FREE_FAILURES_PER_ADDRESS": 20,
    # The first wait in seconds (doubled by each further failure) and the longest one.
    "LOGIN_FIRST_DELAY": 2,
    "LOGIN_MAX_DELAY": 900,
    # Seconds without a failure after which an address's failures are forgotten.
    "LOGIN_FORGET_SECONDS": 3600,
    # Hours a conference room's guest invitation link works (the admin may choose fewer), and minutes
    # the browser-phone login handed to one guest works (never past the link's own expiry).
    "CONFERENCE_GUEST_LINK_HOURS": 24,
    "CONFERENCE_GUEST_PASS_MINUTES": 240,
    # Jitsi Meet (docs/jitsi.md): its address (empty: meetings are off), and the app_id/app_secret its
    # Prosody token auth shares with us (jitsi-meet-tokens); links are signed HS256 with the secret.
    "JITSI_URL": "",
    "JITSI_APP_ID": "",
    "JITSI_APP_SECRET": "",
    # Minutes a meeting link works before the meeting starts and after it ends.
    "JITSI_LINK_MARGIN_MINUTES": 30,
    # jigasi's SIP login on our Asterisk (empty password: no dial-in), and the internal number that
    # asks a meeting's dial-in PIN and sends the call to jigasi.
    "JITSI_JIGASI_PASSWORD": "",
    "JITSI_DIALIN_NUMBER": "",
    # Language when neither the user nor the browser session chose one.
    "DEFAULT_LOCALE": "pt_BR",
    # Time zone used to show and schedule times (IANA name).
    "TIMEZONE": "America/Sao_Paulo",
    # The company's country (ISO 3166 code): the region phone numbers are read in and the holiday calendar
    # new schedules start with. COUNTRY, TIMEZONE and DEFAULT_LOCALE chosen in the web app (the first login)
    # live in VAR_DIR/site.json, a layer above the config files (below environment and overrides).
    "COUNTRY": "BR",
    # Web app bind address and port (make run).
    "WEB_BIND": "127.0.0.1:8000",
    # Run Asterisk and apply every change to it (off only in tests of the web layer).
    "ENGINE_ENABLED": True,
    # Feature codes that differ from the defaults ({"dnd_on": "*76", ...}; names in
    # appliance/asterisk/confgen/features.py), listed in every extension's panel.
    "FEATURE_CODES": {},
    # The engine root: empty means the cached Debian sid root built by `centralina engine build`;
    # "/" in the appliance image, where Asterisk is installed natively.
    "ENGINE_ROOT": "",
    # Started by root, Asterisk runs as this account of the engine root (empty: as root).
    "ENGINE_USER": "asterisk",
    # Started by root, web, provisioning and the daemon run as this system account, created when
    # missing (empty: as root); decision 011.
    "APP_USER": "centralina",
    # Name of this installation's Asterisk instance (its folder under /srv/centralina in the root).
    "ENGINE_INSTANCE": "centralina",
    # SIP (UDP and TCP) and RTP address; 0.0.0.0 to take phones from the network.
    "SIP_BIND": "127.0.0.1",
    "SIP_PORT": 5060,
    # AMI always listens on loopback only.
    "AMI_PORT": 5038,
    # The VoiceBot server (its own process): the loopback host:port Asterisk's AudioSocket connects to.
    "VOICEBOT_ADDRESS": "127.0.0.1:9093",
    # Whether the supervisor runs the VoiceBot server (off: calls to a bot take its fallback).
    "VOICEBOT_ENABLED": True,
    # Asterisk's HTTP server (SIP over WebSocket for the browser phone).
    "ENGINE_HTTP_PORT": 8088,
    # The SIP WebSocket URL the browser phone connects to; empty: /ws on the page's own origin
    # (wss:// behind the TLS proxy, which forwards /ws to Asterisk's HTTP server; decision 026).
    "WEBRTC_WS_URL": "",
    # STUN server the browser phone asks for its public address ("stun:host:3478"); empty: none (same LAN).
    "WEBRTC_STUN_URL": "",
    "RTP_START": 10000,
    "RTP_END": 20000,
    # Phone provisioning server (its own listener, phones only): address:port, and TLS files for HTTPS.
    "PROV_BIND": "127.0.0.1:8080",
    "PROV_CERTFILE": "",
    "PROV_KEYFILE": "",
    # The URL phones are told to come back to; empty: http(s)://<PROV_BIND>/prov.
    "PROV_BASE_URL": "",
    # Zero-touch: after an admin assigns a phone, it may fetch its secrets once, without its token,
    # within this many minutes, from the first address that asks for it; 0 turns zero-touch off.
    "PROV_BOOTSTRAP_MINUTES": 60,
    # Phones waiting for an extension: at most this many recorded per client address and in all,
    # and forgotten after this many hours without a request.
    "PROV_PENDING_PER_ADDRESS": 20,
    "PROV_PENDING_MAX": 500,
    "PROV_PENDING_HOURS": 24,
    # Failed provisioning requests (unknown token, MAC or file; a MAC seen for the first time) from one
    # address before a ban, the window they are counted in, and the ban's length, in seconds.
    "PROV_BAN_FAILURES": 20,
    "PROV_BAN_WINDOW": 300,
    "PROV_BAN_SECONDS": 1800,
    # Blocking attackers (docs/decisions/009): failed SIP logins, voicemail PINs and AMI logins are
    # counted per (address, user name) within BAN_WINDOW seconds. Networks never blocked (CIDRs: the
    # LAN's phones, the admin's network); loopback must stay, the engine's own AMI client uses it.
    "BAN_ALLOW": ["127.0.0.1/32", "::1/128"],
    # Failures in the window before that user name is refused from that address (Asterisk's ACL).
    "BAN_PAIR_FAILURES": 10,
    # Different user names failing from one address in the window before the whole address is
    # blocked in the kernel (a scanner); fewer stay per-user blocks (an office NAT keeps working).
    "BAN_SCAN_USERNAMES": 10,
    "BAN_WINDOW": 600,
    # Failed requests from one address within BAN_FLOOD_SECONDS that block it whole (a brute force
    # hammering on after its per-user block); a phone retrying stays far below.
    "BAN_FLOOD_FAILURES": 100,
    "BAN_FLOOD_SECONDS": 10,
    # How long a block lasts, in seconds.
    "BAN_SECONDS": 3600,
    # The nft command (a prefix such as "ip netns exec test nft" works too) and the table it owns
    # (family inet); the daemon needs CAP_NET_ADMIN, without it bans are shown as not enforced.
    "BAN_NFT": "nft",
    "BAN_NFT_TABLE": "centralina",
    # Time server the phones use.
    "NTP_SERVER": "pool.ntp.org",
    # Firmware per "vendor:model" (e.g. {"yealink:T46U": "http://.../T46U-108.86.0.20.rom"}); absent: left alone.
    "PROV_FIRMWARE": {},
    # Bytes of rendered phone files each provisioning worker keeps in its memory (never on disk); 0: no cache.
    "PROV_CACHE_BYTES": 32 * 1024 * 1024,
    # Always mark cookies Secure (HTTPS only); they are anyway whenever a request came over HTTPS.
    "SESSION_COOKIE_SECURE": False,
    # Reverse proxies in front of the web app whose X-Forwarded-For/-Proto/-Host headers are
    # believed (0: none, the headers are ignored; 1: the image's TLS proxy on the same box).
    "TRUSTED_PROXIES": 0,
    # Phonebook files: the largest upload (KB), and the most contacts a personal phonebook
    # and the shared one may hold (an import past them is refused whole).
    "PHONEBOOK_MAX_FILE_KB": 512,
    "PHONEBOOK_MAX_CONTACTS": 1000,
    "PHONEBOOK_MAX_SHARED_CONTACTS": 2000,
    # API requests one token may make per minute (counted in a memory map every web worker shares, decision 032).
    "API_RATE_LIMIT_PER_MINUTE": 600,
    # Wrong tokens one address may present before each further one makes it wait (doubling, like logins).
    "API_FREE_BAD_TOKENS": 20,
    # Web worker threads (gunicorn gthread): event streams (SSE) hold one each (decision 018).
    "WEB_THREADS": 8,
    # Event streams one web worker process holds at once (past it: 503, retry later), at most
    # half its threads so pages stay served; how long one stream lasts before the client
    # reconnects with Last-Event-ID (its token is checked again then); heartbeat seconds.
    "EVENT_STREAMS_PER_WORKER": 4,
    "EVENT_STREAM_MAX_SECONDS": 300,
    "EVENT_STREAM_HEARTBEAT": 15,
    # TV wallboards (issue 14): seconds without news after which the board says "desatualizado há N s".
    "WALLBOARD_STALE_SECONDS": 30,
    # Hours the daemon's published events (SSE resume, webhook fan-out) are kept.
    "EVENTS_KEEP_HOURS": 24,
    # Webhooks may reach loopback and private addresses (a CRM on the office network; tests).
    "WEBHOOK_ALLOW_PRIVATE": False,
    # Seconds a receiver has to answer one delivery.
    "WEBHOOK_TIMEOUT": 10,
    # First retry pause in seconds (each further one ×4, at most 6 h), and attempts before giving up.
    "WEBHOOK_RETRY_BASE_SECONDS": 5.0,
    "WEBHOOK_MAX_ATTEMPTS": 15,
    # Days of nothing but failures after which an endpoint is turned off and the admins told.
    "WEBHOOK_DISABLE_AFTER_DAYS": 5.0,
    # Days the delivery log keeps finished deliveries.
    "WEBHOOK_LOG_KEEP_DAYS": 30,
    # Call recordings (decision 031): where the compressed files live ("": VAR_DIR/recordings), their format
    # ("opus" or "mp3"), and days each is kept before the daemon deletes it (0: kept until deleted by hand).
    "RECORDINGS_DIR": "",
    "RECORDINGS_FORMAT": "opus",
    "RECORDINGS_KEEP_DAYS": 0,
    # Encrypted backups (decision 039): the folder they are written to ("": VAR_DIR/backups; a mounted USB disk).
    "BACKUP_DIR": "",
    # The largest backup a restore accepts as an upload, in MB (pages and API; nginx allows the same).
    "BACKUP_MAX_UPLOAD_MB": 4096,
    # The web server's TLS certificate (decision 051): the folder nginx reads cert.pem (leaf + chain) and key.pem
    # from, written by System → TLS certificate and by a restored backup ("": this installation has none).
    "TLS_DIR": "/etc/centralina/tls",
    # Speech models (decision 045): the largest archive uploaded, what it may unpack to (MB) and hold (files),
    # and the seconds a model may take to load in the check before it is installed.
    "SPEECH_MODEL_MAX_UPLOAD_MB": 2048,
    "SPEECH_MODEL_MAX_UNPACKED_MB": 6144,
    "SPEECH_MODEL_MAX_FILES": 2000,
    "SPEECH_MODEL_LOAD_SECONDS": 300,
}

LANGUAGES = {"pt_BR": "Português (Brasil)", "en": "English"}
#: The settings the web app may change (services/site.py writes them), and the file under VAR_DIR they live in.
SITE_KEYS = ("COUNTRY", "TIMEZONE", "DEFAULT_LOCALE")
SITE_FILE = "site.json"


def _coerce(value, default):
    if isinstance(default, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(value)
    return value


def _read_cfg(path):
    scope = {}
    exec(compile(path.read_text(), str(path), "exec"), scope)  # operator-owned config, like Flask's from_pyfile
    return {key: value for key, value in scope.items() if key.isupper()}


def load(overrides=None, environ=None, config_dir=None):
    """Return the merged settings: defaults, config files, environment, then ``overrides``."""
    environ = os.environ if environ is None else environ
    config_dir = CONFIG_DIR if config_dir is None else Path(config_dir)
    settings = dict(DEFAULTS)
    if config_dir.is_dir():
        for path in sorted(config_dir.glob("*.cfg")):
            settings.update(_read_cfg(path))
    explicit = {}
    for key, value in environ.items():
        if key.startswith("CENTRALINA_"):
            name = key[len("CENTRALINA_"):]
            explicit[name] = _coerce(value, DEFAULTS.get(name, ""))
    explicit.update(overrides or {})
    var_dir = Path(explicit.get("VAR_DIR", settings["VAR_DIR"]))
    settings.update(read_site(var_dir))
    settings.update(explicit)
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{var_dir / 'centralina.db'}"
    if not settings["SECRET_KEY"]:
        settings["SECRET_KEY"] = permissions.persistent_secret(var_dir / "secret_key", lambda: secrets.token_hex(32))
    return settings


def site_pinned(environ=None):
    """Return the SITE_KEYS an operator fixed in the environment (``CENTRALINA_<KEY>``): site.json cannot move them."""
    environ = os.environ if environ is None else environ
    return frozenset(key for key in SITE_KEYS if f"CENTRALINA_{key}" in environ)


def _site_stamp(var_dir):
    try:
        stat = (Path(var_dir) / SITE_FILE).stat()
    except OSError:
        return None
    # The inode too: the file is replaced by a rename, and two writes may share an mtime tick.
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def refresh_site(conf, environ=None):
    """Take into ``conf`` the site settings another process wrote since this one last looked; return whether it did.

    One stat when nothing changed: web workers, provisioning and the daemon call it per request or
    job (decision 041). Keys fixed in the environment keep their value. ``conf`` is the process's
    settings mapping, changed in place (the stamp it last saw is kept in it as ``_SITE_STAMP``).
    """
    stamp = _site_stamp(conf["VAR_DIR"])
    if stamp is None or conf.get("_SITE_STAMP") == stamp:
        return False
    conf["_SITE_STAMP"] = stamp
    pinned = site_pinned(environ)
    conf.update({key: value for key, value in read_site(conf["VAR_DIR"]).items() if key not in pinned})
    return True


def read_site(var_dir):
    """Return the settings the web app chose (VAR_DIR/site.json): only SITE_KEYS with text values."""
    try:
        chosen = json.loads((Path(var_dir) / SITE_FILE).read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}  # a damaged file falls back to the config files rather than stopping every process
    if not isinstance(chosen, dict):
        return {}
    return {key: value for key, value in chosen.items() if key in SITE_KEYS and isinstance(value, str)}
