"""Caller names by number, for the dialplan to read before an inbound call rings.

The shared phonebook (E.164 numbers) and the extensions (their numbers) become the realtime
table ``cn_callers`` (asterisk/realtime.py), which ``cn-inbound`` reads with one
``REALTIME_FIELD`` when the carrier sent no name: no Python in the call path.
"""
import re

from appliance.asterisk.confgen.inbound import CALLER_NAMES
from appliance.models.extensions import Extension
from appliance.models.phonebook import Contact, ContactNumber

#: What a name loses before it becomes CALLERID(name) and a SIP display name: quotes and < > \ ; and
#: what the dialplan would read as syntax inside ExecIf(…?Set(CALLERID(name)=…)): , ? : ( ) $ [ ] { } | &.
NAME_FORBIDDEN = re.compile(r'["<>\\;,?:()$\[\]{}|&\x00-\x1f\x7f]')
#: Longest id the table takes (E.164 is 16 characters with its +).
MAX_NUMBER = 32


def _safe(name):
    return " ".join(NAME_FORBIDDEN.sub(" ", name or "").split())[:100]


def rows():
    """Return ``{"cn_callers": [row, ...]}``: every shared contact's numbers, then extensions (which win)."""
    names = {}
    query = (ContactNumber.select(ContactNumber.number, Contact.name, Contact.company).join(Contact)
             .where(Contact.owner.is_null()).order_by(Contact.id.desc(), ContactNumber.position.desc()))
    for number in query:
        # The oldest contact's first number wins a number two contacts share: written last.
        names[number.number] = number.contact.name or number.contact.company
    for extension in Extension.select(Extension.number, Extension.name).where(Extension.enabled):
        names[extension.number] = extension.name
    return {CALLER_NAMES: [{"id": number, "name": _safe(name)} for number, name in sorted(names.items())
                           if number and len(number) <= MAX_NUMBER and _safe(name)]}
