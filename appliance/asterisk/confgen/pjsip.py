"""Render PJSIP: static transports/global/system, and endpoints as realtime rows.

Devices (endpoint + AOR + auth each) live in a SQLite file that Asterisk
reads per object through sorcery's realtime wizard, so editing one device
among thousands is live on its next request with no reload
(docs/decisions/002-endpoint-storage.md). This module renders the static
files and, separately, the rows; realtime.sync_rows() writes the rows.
"""
from types import SimpleNamespace

from appliance.asterisk.names import CALLS_GROUP, HINTS_CONTEXT, MESSAGES_CONTEXT, VOICEMAIL_CONTEXT

from .asterisk import HEADER
from .trunks import render_trunk_sections
from .types import ExtensionRow

#: Database name shared by extconfig.conf and res_config_sqlite3.conf.
REALTIME_DATABASE = "centralina"
#: AOR options that are numbers. Every row gives each a value: a single-object fetch drops NULL
#: columns, but a fetch of many (res_config_sqlite3 multi, as the qualify pass does) hands them over
#: as "", which a number option refuses ("Error parsing max_contacts="), losing the whole object.
AOR_NUMBERS = ("max_contacts", "qualify_frequency", "qualify_timeout")
#: sorcery object type -> realtime table (the names of Asterisk's contrib schema).
REALTIME_TABLES = {"endpoint": "ps_endpoints", "aor": "ps_aors", "auth": "ps_auths"}
#: Other realtime families (extconfig.conf name -> table): the extensions the
#: dialplan reads per call, and app_voicemail's mailboxes.
OTHER_REALTIME = {"cn_extensions": "cn_extensions", "voicemail": "cn_voicemail",
                  # Caller names by number, read before an inbound call rings (confgen/inbound.py).
                  "cn_callers": "cn_callers"}
#: Codecs offered to devices; G.711 everywhere, transcoding needs no licence.
DEVICE_CODECS = "ulaw,alaw"
#: Codecs offered to browser phones: opus first (no transcoding between two browsers), G.711 as the fallback.
WEBRTC_CODECS = "opus,ulaw,alaw,vp8"
#: A browser login's video streams: its camera plus up to 15 others' in an SFU room (the doc's example,
#: notes/provisioning-webrtc-jitsi.md B.3.1).
WEBRTC_VIDEO_STREAMS = 16
#: Seconds without RTP before a browser phone's channel is hung up: a closed tab sends no BYE
#: and closing the WebSocket does not end the call (notes/webrtc.md pitfall 7).
WEBRTC_RTP_TIMEOUT = 30


def webrtc_options():
    """Return the endpoint columns of any browser login: a browser phone's, a conference guest's."""
    return _transport_options(SimpleNamespace(webrtc=True))


def _transport_options(device):
    """Return the endpoint columns that differ between a UDP/TCP phone and a browser phone."""
    if device.webrtc:
        return {
            "transport": "transport-ws",
            "allow": WEBRTC_CODECS,
            # webrtc=yes turns on AVPF, DTLS-SRTP (fingerprint-verified), ICE, rtcp-mux, BUNDLE and
            # media_use_received_transport (res_pjsip pjsip_configuration.c); the DTLS certificate
            # is generated per run: the browser checks the SDP fingerprint, not a CA.
            "webrtc": "yes",
            "dtls_auto_generate_cert": "yes",
            "rtp_timeout": WEBRTC_RTP_TIMEOUT,
            # The WebSocket transport already rewrites the browser's "*.invalid" contact to the
            # connection's address (notes/webrtc.md pitfall 8); ICE replaces the symmetric-RTP guess.
            "rtp_symmetric": None, "force_rport": None, "rewrite_contact": None,
            # ConfBridge in SFU mode adds one video stream per other participant (re-INVITE); Asterisk's
            # default of 1 would decline them all but the browser's own camera.
            "max_video_streams": WEBRTC_VIDEO_STREAMS,
        }
    return {"transport": None, "allow": DEVICE_CODECS, "webrtc": None, "dtls_auto_generate_cert": None,
            "rtp_timeout": None, "rtp_symmetric": "yes", "force_rport": "yes", "rewrite_contact": "yes",
            "max_video_streams": None}


def _hostport(address, port=None):
    host = f"[{address}]" if ":" in address else address
    return host if port is None else f"{host}:{port}"


def render_pjsip_conf(settings, trunks=()):
    """Return pjsip.conf: global, system, the UDP/TCP/WebSocket transports and the ``trunks`` (TrunkRow)."""
    # Options as documented for Asterisk 22 (docs.asterisk.org, Asterisk_22_Documentation
    # /API_Documentation/Module_Configuration/res_pjsip; the same text ships in the
    # engine root's core-en_US.xml): the unidentified_request_* trio lives in [global].
    bind = _hostport(settings.bind_address, settings.sip_port)
    return HEADER + f"""
[global]
type = global
; Devices are identified by username (each has identify_by=username), trunks
; by source address. "anonymous" finds nothing: no anonymous endpoint exists
; and its identifier module is not loaded, so unknown callers are challenged
; and refused (chan_sip's allowguest=no).
endpoint_identifier_order = username,ip,anonymous
; More than 3 unidentified requests from one address within 60 s raise a
; security event (AMI class "security") the daemon can block on; entries
; older than twice the period are pruned every 60 s.
unidentified_request_count = 3
unidentified_request_period = 60
unidentified_request_prune_interval = 60
; Don't advertise the exact Asterisk version to scanners (Server/User-Agent).
user_agent = Centralina
default_realm = centralina

[system]
type = system
; Timer and thread-pool defaults suit one box; tune here, not per endpoint.

[transport-udp]
type = transport
protocol = udp
bind = {bind}

[transport-tcp]
type = transport
protocol = tcp
bind = {bind}

; Served by Asterisk's HTTP server (http.conf) at /ws; "bind" opens no socket
; for protocol=ws but is required syntax (notes/webrtc.md section 5).
[transport-ws]
type = transport
protocol = ws
bind = {_hostport(settings.bind_address)}

""" + render_trunk_sections(trunks)


def render_sorcery_conf():
    """Return sorcery.conf mapping endpoints, AORs and auths to realtime tables.

    Devices' and trunks' alike (confgen/trunks.py). Unlisted types keep res_pjsip's defaults:
    transports, global, system, registrations and identifies from pjsip.conf, contacts in astdb.
    """
    lines = [f"{kind} = realtime,{table}" for kind, table in REALTIME_TABLES.items()]
    return HEADER + "\n[res_pjsip]\n" + "\n".join(lines) + "\n"


def render_extconfig_conf():
    """Return extconfig.conf binding the realtime tables to the SQLite driver."""
    tables = [(table, table) for table in REALTIME_TABLES.values()] + list(OTHER_REALTIME.items())
    lines = [f"{family} => sqlite3,{REALTIME_DATABASE},{table}" for family, table in tables]
    return HEADER + "\n[settings]\n" + "\n".join(lines) + "\n"


def render_res_config_sqlite3_conf(settings):
    """Return res_config_sqlite3.conf pointing the realtime database at ``settings.realtime_db``."""
    return HEADER + f"""
[{REALTIME_DATABASE}]
dbfile = {settings.realtime_db}
; The app writes this file from another process: no write batching on
; Asterisk's side, which would hold a transaction open
; (res_config_sqlite3.conf.sample, "batch").
batch = 0
busy_timeout = 1000
"""


def endpoint_rows(devices, media_address=None, extensions=None):
    """Return the realtime rows for ``devices`` and ``extensions``: {table: [row, ...]} sorted by id.

    ``media_address`` (EngineSettings.media_address) pins RTP sockets and the
    SDP address to that address; None leaves RTP on all interfaces.
    ``extensions`` (ExtensionRow) default to one per number the devices ring,
    with default settings and no mailbox.
    """
    if extensions is None:
        extensions = default_extensions(devices)
    rows = {table: [] for table in REALTIME_TABLES.values()}
    rows.update(extension_rows(extensions, devices))
    # Bound to a specific address, RTP also skips Asterisk's per-call guess of
    # "our IP" (a hostname lookup, acl.c ast_find_ourip) and never shows the
    # LAN address in SDP (notes/webrtc.md pitfall 4).
    media = {"media_address": media_address, "bind_rtp_to_media_address": "yes"} if media_address else {}
    for device in sorted(devices, key=lambda d: d.username):
        name = device.username
        rows["ps_endpoints"].append({
            "id": name,
            "aors": name,
            "auth": name,
            "context": device.context,
            "callerid": f'"{device.display_name}" <{device.extension}>',
            "disallow": "all",
            # Media stays in Asterisk: recording and NAT traversal stay simple.
            "direct_media": "no",
            # Phones behind NAT answer and send to the source address; browser phones use ICE.
            **_transport_options(device),
            "dtmf_mode": "rfc4733",
            # Devices must authenticate: never matched by source address
            # (res_pjsip endpoint option identify_by: username matches the From user).
            "identify_by": "username",
            # Phones that challenge what they receive (Grandstream answers a check-sync NOTIFY with
            # 401 by default, P4428) are answered with the device's own credentials.
            "outbound_auth": name,
            # Every channel of the device (calling or called) joins its extension's group: the
            # call limit counts them, feature codes read the caller's number from it.
            "set_var": f"GROUP({CALLS_GROUP})={device.extension}",
            # Read as CALLERID(tag) by the outbound routes: the extension's caller ID outside, no lookup per call.
            "callerid_tag": device.external_callerid or None,
            "subscribe_context": HINTS_CONTEXT,
            # SIP MESSAGE goes to its own context (confgen/messages.py), never to the call context.
            "message_context": MESSAGES_CONTEXT,
            "named_call_group": ",".join(device.pickup_groups) or None,
            "named_pickup_group": ",".join(device.pickup_groups) or None,
            # Unsolicited message-waiting NOTIFYs to every registered contact.
            "mailboxes": f"{device.extension}@{VOICEMAIL_CONTEXT}" if device.voicemail else None,
            # Addresses blocked for this user name after failed logins (services/bans.py): res_pjsip
            # answers them as an unknown user, before any password check, and lets the other phones
            # behind the same address in.
            "deny": ",".join(_host_network(address) for address in device.refused_from) or None,
            **media,
        })
        rows["ps_aors"].append({
            "id": name,
            "max_contacts": device.max_contacts,
            # A phone that re-registers from a new address replaces its old contact.
            "remove_existing": "yes",
            # Asterisk's defaults, spelled out (AOR_NUMBERS): the trunks' rows use these columns.
            "qualify_frequency": 0,
            "qualify_timeout": 3.0,
        })
        rows["ps_auths"].append({
            "id": name,
            # Asterisk 22 documents userpass and md5 as deprecated aliases of digest.
            "auth_type": "digest",
            "username": name,
            "password": device.password,
        })
    return rows


def _host_network(address):
    return f"{address}/{128 if ':' in address else 32}"


def default_extensions(devices):
    """Return an ExtensionRow with default settings for each number ``devices`` ring."""
    names = {}
    for device in sorted(devices, key=lambda d: d.username):
        names.setdefault(device.extension, device.display_name)
    return [ExtensionRow(number, name) for number, name in sorted(names.items())]


def extension_rows(extensions, devices):
    """Return the rows of ``cn_extensions`` and ``cn_voicemail`` for ``extensions``.

    An extension whose devices are all absent (disabled) gets no row: a call
    to it is "not in service", as for an unknown number.
    """
    dial = {}
    for device in sorted(devices, key=lambda d: d.username):
        dial.setdefault(device.extension, []).append(f"PJSIP/{device.username}")
    rows = {"cn_extensions": [], "cn_voicemail": []}
    for extension in sorted(extensions, key=lambda e: e.number):
        if extension.number not in dial:
            continue
        rows["cn_extensions"].append({
            "id": extension.number,
            "name": extension.name,
            "dial": "&".join(dial[extension.number]),
            "voicemail": "yes" if extension.voicemail else "no",
            "max_calls": extension.max_calls,
            "ring_seconds": extension.ring_seconds,
            "language": extension.language,
            # A forward to an outside number leaves through this context, with this caller ID.
            "context": extension.context,
            "callerid": extension.external_callerid or None,
            "record": extension.recording,
            "record_prompt": extension.record_prompt or None,
        })
        if extension.voicemail:
            rows["cn_voicemail"].append({
                "id": extension.number,
                # app_voicemail updates a realtime mailbox by uniqueid (PIN changed from a phone).
                "uniqueid": extension.number,
                "context": VOICEMAIL_CONTEXT,
                "mailbox": extension.number,
                "password": extension.voicemail_pin,
                "fullname": extension.name,
            })
    return rows
