"""Render logger.conf: notices and worse, no verbose output by default."""
from .asterisk import HEADER


def render_logger_conf():
    """Return logger.conf (files land in the instance's log folder)."""
    return HEADER + """
[general]
dateformat = %F %T.%3q

[logfiles]
; Verbose output is off: raise it at run time with "core set verbose 3" and
; "logger add channel" when debugging, instead of shipping chatty logs.
messages.log => notice,warning,error
"""
