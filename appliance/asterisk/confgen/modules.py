"""Render modules.conf: autoload off and an explicit, least-privilege module list."""
from .asterisk import HEADER

#: (module, why it is loaded). With autoload=no, dependencies are not pulled in
#: automatically (notes/webrtc.md pitfall 2), so every one is listed.
MODULES = (
    # --- config storage: sorcery wizards and the SQLite realtime driver
    ("res_sorcery_config.so", "transports, global and system from pjsip.conf"),
    ("res_sorcery_memory.so", "in-memory sorcery objects used by res_pjsip"),
    ("res_sorcery_astdb.so", "registered contacts persist in astdb"),
    ("res_sorcery_realtime.so", "endpoints, AORs and auths read per object from realtime"),
    ("res_config_sqlite3.so", "the realtime backend: a SQLite file in the instance"),
    ("res_timing_timerfd.so", "timing source for media and bridges"),
    # --- SIP over UDP, TCP and WebSocket
    ("res_pjproject.so", "PJSIP stack"),
    ("res_pjsip.so", "SIP core, transports, endpoints"),
    ("res_pjsip_session.so", "calls (INVITE sessions)"),
    ("res_pjsip_pubsub.so", "required by chan_pjsip (webrtc.md pitfall 2)"),
    ("res_pjsip_authenticator_digest.so", "digest authentication of devices"),
    ("res_pjsip_endpoint_identifier_user.so", "identify devices by username"),
    ("res_pjsip_endpoint_identifier_ip.so", "trunks by source address; matches nothing until one exists"),
    ("res_pjsip_registrar.so", "devices REGISTER"),
    ("res_pjsip_caller_id.so", "caller ID from the endpoint's callerid (CDR src, clid)"),
    ("res_pjsip_nat.so", "rewrite_contact/force_rport for devices behind NAT"),
    ("res_pjsip_sdp_rtp.so", "audio SDP and RFC 4733 DTMF"),
    ("res_pjsip_notify.so", "NOTIFY check-sync to make phones fetch their provisioning"),
    ("res_http_websocket.so", "WebSocket on Asterisk's HTTP server"),
    ("res_pjsip_transport_websocket.so", "SIP over WebSocket for browser phones"),
    ("chan_pjsip.so", "the PJSIP channel driver"),
    # --- media
    ("res_rtp_asterisk.so", "RTP, ICE and DTLS"),
    ("res_srtp.so", "DTLS-SRTP, mandatory for browser phones"),
    ("res_format_attr_opus.so", "opus SDP attributes (browser phones)"),
    ("codec_opus_open_source.so", "opus <-> G.711 for browser phones"),
    ("codec_ulaw.so", "G.711 u-law"),
    ("codec_alaw.so", "G.711 a-law"),
    ("codec_gsm.so", "GSM, the format of the installed prompts"),
    ("format_gsm.so", "read .gsm prompt files"),
    # --- dialplan, applications, bridging
    ("pbx_config.so", "extensions.conf"),
    ("app_dial.so", "Dial()"),
    ("app_echo.so", "Echo() for the echo test number"),
    ("app_playback.so", "Playback() of prompts"),
    ("bridge_simple.so", "two-party bridges"),
    ("bridge_native_rtp.so", "bridges that stay in RTP without decoding"),
    # --- call records
    ("res_cdrel_custom.so", "shared engine of the custom CDR backends"),
    ("cdr_sqlite3_custom.so", "call records into a SQLite file"),
)
# Deliberately absent: chan_iax2, pbx_dundi (stray listeners), CEL, ARI,
# res_pjsip_endpoint_identifier_anonymous (no guest calls), res_pjsip_logger.


def render_modules_conf():
    """Return modules.conf."""
    width = max(len(name) for name, _ in MODULES)
    lines = [f"load = {name:<{width}} ; {why}" for name, why in MODULES]
    return HEADER + """
[modules]
; Nothing loads unless listed: no surprise listeners, faster boot.
autoload = no
""" + "\n".join(lines) + "\n"
