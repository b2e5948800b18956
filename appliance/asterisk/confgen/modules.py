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
    ("res_pjsip_outbound_registration.so", "trunks REGISTER to their carriers"),
    ("res_pjsip_outbound_authenticator_digest.so", "answer carriers' (and phones') digest challenges"),
    ("res_pjsip_diversion.so", "Diversion header: the carrier sees whose forward a call is"),
    ("res_pjsip_rfc3326.so", "Reason header: the carrier's Q.850 cause, for failover"),
    ("res_pjsip_dtmf_info.so", "SIP INFO DTMF (trunks that use it)"),
    ("res_pjsip_header_funcs.so", "PJSIP_HEADER(): the DID from the To header of registration trunks"),
    ("res_pjsip_caller_id.so", "caller ID from the endpoint's callerid (CDR src, clid)"),
    ("res_pjsip_nat.so", "rewrite_contact/force_rport for devices behind NAT"),
    ("res_pjsip_sdp_rtp.so", "audio SDP and RFC 4733 DTMF"),
    ("res_pjsip_notify.so", "NOTIFY check-sync to make phones fetch their provisioning"),
    ("res_pjsip_mwi.so", "message-waiting NOTIFYs to devices"),
    ("res_pjsip_mwi_body_generator.so", "the message-summary body of MWI NOTIFYs"),
    ("res_pjsip_outbound_publish.so", "needed by res_pjsip_exten_state (publish client symbols)"),
    ("res_pjsip_exten_state.so", "BLF: phones SUBSCRIBE to colleagues' hints"),
    ("res_pjsip_dialog_info_body_generator.so", "BLF bodies most desk phones ask for"),
    ("res_pjsip_pidf_body_generator.so", "presence bodies (PIDF)"),
    ("res_pjsip_xpidf_body_generator.so", "presence bodies of older phones (XPIDF)"),
    ("res_http_websocket.so", "WebSocket on Asterisk's HTTP server"),
    ("res_pjsip_transport_websocket.so", "SIP over WebSocket for browser phones"),
    ("chan_pjsip.so", "the PJSIP channel driver"),
    ("res_pjsip_refer.so", "call transfers (REFER, blind and attended with Replaces)"),
    # --- media
    ("res_rtp_asterisk.so", "RTP, ICE and DTLS"),
    ("res_srtp.so", "DTLS-SRTP, mandatory for browser phones"),
    ("res_format_attr_opus.so", "opus SDP attributes (browser phones)"),
    ("codec_opus_open_source.so", "opus <-> G.711 for browser phones"),
    ("codec_ulaw.so", "G.711 u-law"),
    ("codec_alaw.so", "G.711 a-law"),
    ("codec_gsm.so", "GSM, the format of the installed prompts"),
    ("codec_g722.so", "G.722 wideband (trunks and phones that offer it)"),
    ("format_gsm.so", "read .gsm prompt files"),
    ("format_pcm.so", "read .ulaw/.alaw prompt files (the library's, played to G.711 calls untranscoded)"),
    ("format_sln.so", "read .sln/.sln16 prompt files (the library's, for other and wideband calls)"),
    # --- dialplan, applications, bridging
    ("pbx_config.so", "extensions.conf"),
    ("app_dial.so", "Dial()"),
    ("app_echo.so", "Echo() for the echo test number"),
    ("app_playback.so", "Playback() of prompts"),
    ("app_exec.so", "ExecIf()"),
    ("app_stack.so", "Gosub()/Return(): shared dialplan steps that leave the CDR's number alone"),
    ("app_verbose.so", "Log(): refused and unroutable calls leave a line in the log"),
    ("app_userevent.so", "UserEvent(): feature codes tell the daemon what changed"),
    ("app_record.so", "Record(): a prompt recorded from a phone (feature code)"),
    ("app_read.so", "Read(): a mailbox and its PIN typed on the keypad (voicemail logins)"),
    ("app_voicemail.so", "VoiceMail() and VoiceMailMain(); mailboxes are realtime rows"),
    ("app_directed_pickup.so", "Pickup(): group and directed call pickup"),
    ("func_strings.so", "HASH() and string tests in the dialplan"),
    ("func_logic.so", "IF()"),
    ("func_channel.so", "CHANNEL(language)"),
    ("func_callerid.so", "CALLERID()"),
    ("func_db.so", "DB(): DND and forwards in AstDB"),
    ("func_cdr.so", "CDR(userfield): outside calls carry their extension and class (international minutes)"),
    ("func_realtime.so", "REALTIME_HASH(): an extension's row at call time"),
    ("func_groupcount.so", "GROUP()/GROUP_COUNT(): simultaneous call limits"),
    ("func_hangupcause.so", "HANGUPCAUSE(): the SIP answer of a failed trunk, for failover"),
    ("func_dialplan.so", "DIALPLAN_EXISTS(): inbound DIDs and blacklists are compiled patterns"),
    ("func_cdr.so", "CDR(userfield): blocked attempts marked in the call record, counted from it"),
    ("func_cut.so", "CUT(): fields of a list in the dialplan"),
    ("func_math.so", "MATH(): counters (minutes used today)"),
    ("func_global.so", "GLOBAL(): system-wide switches"),
    ("func_devstate.so", "DEVICE_STATE(Custom:…): DND shown on BLF keys"),
    ("res_pjsip_messaging.so", "SIP MESSAGE between extensions (confgen/messages.py)"),
    ("func_base64.so", "BASE64_ENCODE(): a text message's body in a UserEvent to the daemon"),
    ("func_pjsip_endpoint.so", "PJSIP_ENDPOINT(): a message's sender number from its device's caller ID"),
    ("func_presencestate.so", "PRESENCE_STATE(CustomPresence:…): presence on BLF keys"),
    ("format_wav.so", "voicemail recorded as WAV"),
    ("app_queue.so", "Queue(), agents' Add/Remove/PauseQueueMember; writes queue_log"),
    ("res_musiconhold.so", "music while callers wait in a queue"),
    ("app_mixmonitor.so", "MixMonitor(): call recording, each party on its own channel (decision 031)"),
    ("app_chanspy.so", "ChanSpy(): supervisors listen to, whisper to, barge into agents' calls"),
    ("bridge_simple.so", "two-party bridges"),
    ("bridge_native_rtp.so", "bridges that stay in RTP without decoding"),
    ("bridge_softmix.so", "conference rooms: mixes audio, relays video (SFU)"),
    ("app_confbridge.so", "ConfBridge(): conference rooms (confgen/conferences.py)"),
    ("res_audiosocket.so", "AudioSocket protocol: the VoiceBot server's connection (confgen/bots.py)"),
    ("chan_audiosocket.so", "Dial(AudioSocket/...): a call talks to the VoiceBot at 16 kHz, with a fallback"),
    ("func_uuid.so", "UUID(): names a VoiceBot conversation"),
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
