"""Render http.conf: Asterisk's HTTP server, used only for SIP over WebSocket (/ws)."""
from .asterisk import HEADER


def render_http_conf(settings):
    """Return http.conf for ``settings``' address and HTTP port."""
    return HEADER + f"""
[general]
enabled = yes
bindaddr = {settings.bind_address}
bindport = {settings.http_port}
; Browsers reach ws://{settings.bind_address}:{settings.http_port}/ws; nothing else is served.
enable_static = no
enable_status = no
servername = Centralina
"""
