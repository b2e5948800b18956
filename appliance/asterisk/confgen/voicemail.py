"""Render voicemail.conf: app_voicemail's behaviour; the mailboxes themselves are realtime rows."""
from .asterisk import HEADER


def render_voicemail_conf():
    """Return voicemail.conf: WAV messages, no e-mail from Asterisk (the daemon mails them)."""
    return HEADER + """
[general]
; wav (16-bit PCM) plays in every browser and attaches to any mail client.
format = wav
; Asterisk sends no e-mail: the daemon mails each new message with its audio,
; once, through the SMTP settings of the web admin.
attach = no
maxmsg = 100
maxsecs = 300
minsecs = 1
; No silence detection: a quiet caller is not cut off (maxsilence 0).
maxlogins = 3
; A caller can press 0 for the operator only if the dialplan says so; * leaves.
operator = no
review = no
; Mailboxes are realtime rows (extconfig.conf "voicemail"): new ones and PIN
; changes are live without a reload. Folders are read at each access.
searchcontexts = no
; The PIN rules the web admin enforces, so a PIN set from a phone follows them too.
minpassword = 4
"""
