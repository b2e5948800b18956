"""Caller names by number, for the dialplan to read before an inbound call rings.

The shared phonebook's E.164 numbers are compiled into the dialplan (``compiled()``: context
``cn-caller-names``, one in-memory lookup per call, no I/O); extensions and other short numbers
are the realtime table ``cn_callers`` (``rows()``), read only for callers without a + (rare from
a carrier). No Python in the call path (docs/decisions/016).
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


def _shared_numbers(only=None):
    query = (ContactNumber.select(ContactNumber.number, Contact.name, Contact.company).join(Contact)
             .where(Contact.owner.is_null()).order_by(Contact.id.desc(), ContactNumber.position.desc()))
    if only is not None:
        query = query.where(ContactNumber.number.in_(sorted(only)))
    names = {}
    for number in query:
        # The oldest contact's first number wins a number two contacts share: written last.
        names[number.number] = _safe(number.contact.name or number.contact.company)
    return names


def compiled():
    """Return ``((E.164 number, name), ...)`` of the shared phonebook for the dialplan (EngineInput.caller_names)."""
    return tuple(sorted((number, name) for number, name in _shared_numbers().items()
                        if number.startswith("+") and name))


def rows(numbers=None):
    """Return ``{"cn_callers": [row, ...]}``: shared contacts' short numbers, then extensions (which win).

    ``numbers``: only the rows of those numbers (an extension added, renamed or removed), to be
    synced with ``only_ids`` — reading 10,000 extensions for one edit cost 0.14 s.
    """
    names = {number: name for number, name in _shared_numbers(numbers).items() if not number.startswith("+")}
    query = Extension.select(Extension.number, Extension.name).where(Extension.enabled)
    if numbers is not None:
        query = query.where(Extension.number.in_(sorted(numbers)))
    names.update(query.tuples())
    return {CALLER_NAMES: [{"id": number, "name": _safe(name)} for number, name in sorted(names.items())
                           if number and len(number) <= MAX_NUMBER and _safe(name)]}
