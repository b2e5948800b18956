"""Render rtp.conf: the RTP port range."""
from .asterisk import HEADER


def render_rtp_conf(settings):
    """Return rtp.conf for ``settings``' RTP port range."""
    return HEADER + f"""
[general]
rtpstart = {settings.rtp_start}
rtpend = {settings.rtp_end}
; Lock each stream to the first source it hears from (anti-hijack).
strictrtp = yes
"""
