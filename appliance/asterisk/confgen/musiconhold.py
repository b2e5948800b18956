"""Render musiconhold.conf: the classes callers hear while they wait (queues, hold)."""
from .asterisk import HEADER


def render_musiconhold_conf():
    """Return musiconhold.conf: the ``default`` class plays the engine's bundled files (uploads come later)."""
    return HEADER + """
[default]
mode = files
; Relative to the data folder (asterisk.conf astdatadir): the moh files Debian ships.
directory = moh
sort = random
"""
