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
""" + _ice_host_candidates(settings)


def _ice_host_candidates(settings):
    if not settings.ice_host_candidates:
        return ""
    # Addresses checked by EngineSettings (ipaddress): nothing else reaches this section.
    lines = "".join(f"{local} => {advertised}\n" for local, advertised in settings.ice_host_candidates)
    return "\n; ICE host candidates advertised under another address.\n[ice_host_candidates]\n" + lines
