"""The browser phone's credential as this request's origin sees it (the panel's and the API's)."""
from urllib.parse import urlsplit

from flask import current_app, request

from appliance.services import browser_phone


def ws_url():
    """Return the SIP WebSocket URL: the configured one, else /ws on this page's own origin."""
    configured = current_app.config.get("WEBRTC_WS_URL", "")
    if configured:
        return configured
    # Behind the TLS proxy the request is https (ProxyFix), so the phone gets wss:// on the same
    # certificate and origin as the page; the proxy forwards /ws to Asterisk's HTTP server.
    return f"{'wss' if request.is_secure else 'ws'}://{request.host}/ws"


def sip_domain():
    """Return the host this browser reached us on, as a SIP URI host (IPv6 in brackets)."""
    host = urlsplit(request.host_url).hostname or "localhost"
    return f"[{host}]" if ":" in host else host


def issue_credential(extension, actor):
    """Return the browser phone's Credential for ``extension`` (the panel's and the API's)."""
    stun = current_app.config.get("WEBRTC_STUN_URL", "")
    return browser_phone.credential(extension, actor, ws_url=ws_url(), domain=sip_domain(),
                                    ice_servers=(stun,) if stun else ())
