"""My devices: live registration of each, the credentials to type into a softphone, the feature codes."""
import time
from urllib.parse import quote

import segno
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from appliance.services import engine_sync
from web.live import live_state, sip_server
from web.panel import bp
from web.panel.context import panel_extension, render_panel

#: Feature code names as people read them, in the order the panel lists them.
FEATURE_LABELS = {
    "voicemail": _l("Listen to my voicemail"),
    "voicemail_any": _l("Listen to any mailbox (asks for the number)"),
    "dnd_on": _l("Do not disturb: on"),
    "dnd_off": _l("Do not disturb: off"),
    "forward_always": _l("Forward all calls (code + number)"),
    "forward_always_off": _l("Stop forwarding all calls"),
    "forward_busy": _l("Forward when busy (code + number)"),
    "forward_busy_off": _l("Stop forwarding when busy"),
    "forward_no_answer": _l("Forward when not answered (code + number)"),
    "forward_no_answer_off": _l("Stop forwarding when not answered"),
    "pickup": _l("Answer a call ringing in my pickup group"),
    "directed_pickup": _l("Answer a call ringing on an extension (code + extension)"),
    "echo_test": _l("Echo test"),
    "record_prompt": _l("Record a prompt (code + prompt number; admins only)"),
    "schedule_override": _l("Switch business hours (code + 0 automatic, 1 open, 2 closed, 3 holiday + schedule)"),
    "agent_login": _l("Agent: log in to my queues"),
    "agent_logout": _l("Agent: log out of my queues"),
    "agent_pause": _l("Agent: pause (add a pause reason's code: *471)"),
    "agent_unpause": _l("Agent: resume after a pause"),
    "record_toggle": _l("During a call: start or stop recording it (where recording is on demand)"),
    "spy_listen": _l("Supervisor: listen to an agent's call (code + agent's extension)"),
    "spy_whisper": _l("Supervisor: whisper to an agent, unheard by the caller (code + agent's extension)"),
    "spy_barge": _l("Supervisor: barge into an agent's call (code + agent's extension)"),
}


def _registrations(devices):
    contacts = live_state().contacts_by_endpoint()
    now = time.time()
    found = {}
    for device in devices:
        rows = []
        for contact in contacts.get(device.sip_username, []):
            try:
                left = max(0, int(contact.get("expires") or 0) - int(now))
            except ValueError:
                left = None
            rows.append({**contact, "expires_in": left})
        found[device.id] = rows
    return found


def account_uri(device, server):
    """Return the SIP account URI mobile softphones take from a QR code: sip:user:password@host:port.

    The userinfo password form (RFC 3261 section 19.1.1) is what the common softphones' "scan account"
    reads; user and password are percent-encoded so no character changes the URI's meaning.
    """
    host, port = server
    host = f"[{host}]" if ":" in host else host
    return f"sip:{quote(device.sip_username, safe='')}:{quote(device.sip_password, safe='')}@{host}:{port}"


def account_qr(uri):
    """Return ``uri`` as an inline SVG QR code (no file, no request: the password stays in this page)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, title="SIP account")


@bp.route("/devices")
@login_required
def devices():
    """Show the extension's devices with their registrations and credentials."""
    extension = panel_extension()
    device_list = list(extension.devices)
    codes = [(FEATURE_LABELS[name], code) for name, code in engine_sync.feature_codes().items()]
    server = sip_server()
    # Softphones only: a desk phone is provisioned, a browser phone signs itself in.
    qr_codes = {device.id: account_qr(account_uri(device, server)) for device in device_list
                if not device.mac and device.kind == "sip"}
    return render_panel("panel/devices.html", extension, devices=device_list,
                        registrations=_registrations(device_list), sip_server=server, codes=codes,
                        qr_codes=qr_codes)
