"""Render cel.conf: channel event logging stays off (call records come from CDR)."""
from .asterisk import HEADER


def render_cel_conf():
    """Return cel.conf."""
    return HEADER + """
[general]
; CEL is not used: call records come from cdr_sqlite3_custom, live state
; from AMI. Written explicitly so the core does not fall back to defaults.
enable = no
"""
