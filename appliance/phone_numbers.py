"""Phone numbers as people type them, as the PBX stores them and as it dials them: one home.

Stored numbers are E.164 (``+5511912345678``) for public numbers, read with Google's
libphonenumber data (``phonenumbers``, in the region of the COUNTRY setting, Brazil by default),
and as typed for extensions, short numbers (190) and ``*``/``#`` codes. Outbound routes turn E.164 back into what each
trunk wants.
"""
import re

import phonenumbers

from appliance.errors import ValidationError
from appliance.i18n import N_

DEFAULT_REGION = "BR"
_region = DEFAULT_REGION
#: Separators people type inside numbers: "(11) 91234-5678", "11.3333.4444", "+1 650/253 0000".
SEPARATORS = re.compile(r"[\s().\-/]")
#: What a phone can dial: digits, * and #, after an optional +.
DIALABLE = re.compile(r"\+?[0-9*#]{1,32}")
_CODE = re.compile(r"[0-9*#]{1,32}")
_SHORT = re.compile(r"[0-9]{1,8}")
_SEARCH_CHARS = frozenset("0123456789+*#")


def set_region(country):
    """Read numbers typed without a country code as numbers of ``country`` (the COUNTRY setting)."""
    global _region
    _region = country if country in phonenumbers.SUPPORTED_REGIONS else DEFAULT_REGION


def region():
    """Return the region numbers without a country code are read in."""
    return _region


def strip_separators(raw):
    """Return ``raw`` without the separators people type between digits."""
    return SEPARATORS.sub("", raw or "")


def normalize(raw):
    """Return ``raw`` as stored: E.164 for public numbers, as typed for internal numbers and * / # codes.

    Return None when it is not a phone number.
    """
    cleaned = strip_separators(raw)
    if not cleaned:
        return None
    if ("*" in cleaned or "#" in cleaned) and _CODE.fullmatch(cleaned):
        return cleaned
    try:
        parsed = phonenumbers.parse(cleaned, _region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_valid_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    # Extensions, emergency numbers (190) and local numbers without an area code are dialled as typed.
    return cleaned if _SHORT.fullmatch(cleaned) else None


def display(number):
    """Return a stored number as people read it: national format at home, international abroad."""
    if not number.startswith("+"):
        return number
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    if phonenumbers.region_code_for_number(parsed) == _region:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def dialable(raw, field="number"):
    """Return ``raw`` ready to dial (separators gone); raise ValidationError on ``field`` when it cannot be."""
    cleaned = strip_separators(raw)
    if not DIALABLE.fullmatch(cleaned):
        raise ValidationError.one(field, N_("Dial digits, * and # only, optionally after a +, at most 32."))
    return cleaned


def search_fragment(raw):
    """Return the part of ``raw`` a number search can use: digits, +, * and #, at most 32."""
    return "".join(ch for ch in (raw or "") if ch in _SEARCH_CHARS)[:32]


#: Brazil's area codes (DDD): the 67 in libphonenumber's BR metadata (notes/routing-br.md 1).
AREA_CODES = frozenset(
    "11 12 13 14 15 16 17 18 19 21 22 24 27 28 31 32 33 34 35 37 38 41 42 43 44 45 46 47 48 49 51 53 54 55 "
    "61 62 63 64 65 66 67 68 69 71 73 74 75 77 79 81 82 83 84 85 86 87 88 89 91 92 93 94 95 96 97 98 99".split())


def valid_area_code(text):
    """Return whether ``text`` is a Brazilian area code (DDD)."""
    return text in AREA_CODES
