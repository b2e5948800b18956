"""Render logger.conf: notices and worse, no verbose output by default."""
from .asterisk import HEADER


def render_logger_conf():
    """Return logger.conf (files land in the instance's log folder)."""
    return HEADER + """
[general]
dateformat = %F %T.%3q
; app_queue's event log (one line per caller and agent event): the file "queue_log" in the log
; folder, the durable record call-center reports are ingested from (notes/callcenter.md 2).
queue_log = yes
queue_log_name = queue_log

[logfiles]
; Verbose output is off: raise it at run time with "core set verbose 3" and
; "logger add channel" when debugging, instead of shipping chatty logs.
messages.log => notice,warning,error
"""
