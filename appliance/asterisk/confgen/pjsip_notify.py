"""Render pjsip_notify.conf: the NOTIFY messages the app may send to devices."""
from .asterisk import HEADER


def render_pjsip_notify_conf():
    """Return pjsip_notify.conf."""
    return HEADER + """
; "pjsip send notify check-sync endpoint <name>" (or AMI PJSIPNotify) makes a
; phone fetch its provisioning file again (most vendors honour check-sync).
[check-sync]
Event => check-sync
"""
