"""SMS text on the wire: GSM 03.38 (7-bit, one octet per septet in SMPP) or UCS-2, split with a UDH.

A message that fits the GSM default alphabet goes as data_coding 0; anything else (Portuguese
accents: ã õ ç á ê ... are not in it) goes as UCS-2 (data_coding 8). Long messages are split
into parts of 153 septets / 67 UCS-2 code units, each carrying the 6-octet concatenation UDH
``05 00 03 ref total seq`` (3GPP TS 23.040 9.2.3.24.1) with esm_class 0x40. Unlike
smpplib.gsm.make_parts, a part never ends inside a GSM escape pair or a UTF-16 surrogate pair.
"""
import random
import re
from dataclasses import dataclass

from smpplib.gsm import GSM_CHARACTER_TABLE

GSM7, UCS2 = "gsm7", "ucs2"
DATA_CODING = {GSM7: 0x00, UCS2: 0x08}
#: Single-part limits and per-part limits once a UDH takes 6 octets (notes/api-webhooks-sms.md 6).
SINGLE = {GSM7: 160, UCS2: 70}
PER_PART = {GSM7: 153, UCS2: 67}
#: esm_class bits: UDHI (a UDH starts short_message) and the delivery-receipt message type.
ESM_UDHI = 0x40
ESM_RECEIPT = 0x04
_BASIC = {char: index for index, char in enumerate(GSM_CHARACTER_TABLE[:128]) if char != "`" or index == 0x60}
# The extension table: characters sent as ESC (0x1B) + code; "`" marks unused slots in smpplib's table.
_EXTENDED = {char: index - 128 for index, char in enumerate(GSM_CHARACTER_TABLE[128:], start=128) if char != "`"}
_BASIC_BY_CODE = {code: char for char, code in _BASIC.items()}
_EXTENDED_BY_CODE = {code: char for char, code in _EXTENDED.items()}


@dataclass(frozen=True)
class Encoded:
    """A message ready for submit_sm: its encoding, data_coding, esm_class and the octets of each part."""

    encoding: str
    data_coding: int
    esm_class: int
    parts: tuple
    reference: int = 0


def septets(char):
    """Return how many GSM-7 septets ``char`` takes (1 or 2), or 0 if the alphabet lacks it."""
    if char in _BASIC:
        return 1
    return 2 if char in _EXTENDED else 0


def choose_encoding(text):
    """Return GSM7 when every character is in the GSM default alphabet (or its extension), else UCS2."""
    return GSM7 if all(septets(char) for char in text) else UCS2


def _units(text, encoding):
    """Return ``text`` as indivisible units with their size: a character's septets, or UTF-16 code units."""
    if encoding == GSM7:
        return [(char, septets(char)) for char in text]
    return [(char, 2 if ord(char) > 0xFFFF else 1) for char in text]


def split(text, encoding=None):
    """Return ``(encoding, [text of each part])``: one part when it fits, else parts that each fit with a UDH."""
    encoding = encoding or choose_encoding(text)
    units = _units(text, encoding)
    if sum(size for _, size in units) <= SINGLE[encoding]:
        return encoding, [text]
    parts, current, used = [], [], 0
    for char, size in units:
        if used + size > PER_PART[encoding]:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += size
    parts.append("".join(current))
    return encoding, parts


def count_parts(text):
    """Return ``(encoding, number of parts)`` of ``text``."""
    encoding, parts = split(text)
    return encoding, len(parts)


def encode_text(text, encoding):
    """Return ``text`` as the octets of ``encoding`` (GSM-7 unpacked: one septet per octet, as SMPP sends it)."""
    if encoding == UCS2:
        return text.encode("utf-16-be")
    out = bytearray()
    for char in text:
        if char in _BASIC:
            out.append(_BASIC[char])
        else:
            out += bytes((0x1B, _EXTENDED[char]))
    return bytes(out)


def decode_text(octets, data_coding):
    """Return the text of ``octets`` sent with ``data_coding`` (0 GSM-7 unpacked, 3 Latin-1, 8 UCS-2; else ASCII)."""
    if data_coding == 0x08:
        return octets.decode("utf-16-be", errors="replace")
    if data_coding == 0x03:
        return octets.decode("latin-1")
    if data_coding == 0x00:
        chars, escape = [], False
        for octet in octets:
            if escape:
                chars.append(_EXTENDED_BY_CODE.get(octet, " "))
                escape = False
            elif octet == 0x1B:
                escape = True
            else:
                chars.append(_BASIC_BY_CODE.get(octet & 0x7F, " "))
        return "".join(chars)
    return octets.decode("ascii", errors="replace")


def encode(text, reference=None):
    """Return the Encoded parts of ``text`` for submit_sm (a UDH on each part when there is more than one)."""
    encoding, texts = split(text)
    if len(texts) == 1:
        return Encoded(encoding, DATA_CODING[encoding], 0, (encode_text(text, encoding),))
    reference = random.randint(0, 255) if reference is None else reference
    parts = tuple(bytes((0x05, 0x00, 0x03, reference, len(texts), seq)) + encode_text(part, encoding)
                  for seq, part in enumerate(texts, start=1))
    return Encoded(encoding, DATA_CODING[encoding], ESM_UDHI, parts, reference)


@dataclass(frozen=True)
class Segment:
    """One received short message: its concatenation reference (0 alone), total parts, sequence and text."""

    reference: int
    total: int
    seq: int
    text: str


def read_segment(short_message, esm_class, data_coding):
    """Return the Segment a deliver_sm carries: reads the 8- or 16-bit concatenation UDH when UDHI is set."""
    octets = short_message or b""
    reference, total, seq = 0, 1, 1
    if esm_class & ESM_UDHI and octets:
        header_length = octets[0]
        header, octets = octets[1:1 + header_length], octets[1 + header_length:]
        position = 0
        while position + 2 <= len(header):
            iei, length = header[position], header[position + 1]
            value = header[position + 2:position + 2 + length]
            if iei == 0x00 and length == 3:
                reference, total, seq = value[0], value[1], value[2]
            elif iei == 0x08 and length == 4:
                reference, total, seq = (value[0] << 8) | value[1], value[2], value[3]
            position += 2 + length
    return Segment(reference, max(total, 1), max(seq, 1), decode_text(octets, data_coding))


#: Receipt states (SMPP 3.4 5.2.28 message_state; appendix B "stat:" words) → a message's status.
RECEIPT_STATES = {2: "delivered", 3: "failed", 4: "failed", 5: "failed", 6: "accepted", 7: "accepted",
                  8: "failed"}
RECEIPT_WORDS = {"DELIVRD": "delivered", "EXPIRED": "failed", "DELETED": "failed", "UNDELIV": "failed",
                 "ACCEPTD": "accepted", "UNKNOWN": "accepted", "REJECTD": "failed", "ENROUTE": "accepted"}
_RECEIPT_TEXT = re.compile(r"id:(?P<id>\S+).*?stat:(?P<stat>[A-Z]+)(?:.*?err:(?P<err>\S+))?", re.S)


@dataclass(frozen=True)
class Receipt:
    """A delivery receipt: the SMSC's message id, the status it means, and the SMSC's word and error code."""

    message_id: str
    status: str
    word: str
    error: str


def read_receipt(short_message, receipted_message_id=None, message_state=None):
    """Return the Receipt of a deliver_sm with the receipt esm_class, or None when it says nothing usable.

    The TLVs (receipted_message_id 0x001E, message_state 0x0427) win over the appendix-B text.
    """
    text = (short_message or b"").decode("latin-1")
    found = _RECEIPT_TEXT.search(text)
    message_id = receipted_message_id.decode() if isinstance(receipted_message_id, bytes) else receipted_message_id
    message_id = message_id or (found.group("id") if found else "")
    word = found.group("stat") if found else ""
    error = (found.group("err") or "") if found else ""
    if message_state is not None and message_state in RECEIPT_STATES:
        status = RECEIPT_STATES[message_state]
    else:
        status = RECEIPT_WORDS.get(word)
    if not message_id or status is None:
        return None
    return Receipt(message_id, status, word, error)


def normal_id(message_id):
    """Return an SMSC message id in one form for matching (trimmed, lower case, no leading zeros)."""
    text = (message_id or "").strip().lower()
    return text.lstrip("0") or "0"


def id_forms(message_id):
    """Return the forms a receipt's id may match a stored id in: as is, and read across hex and decimal.

    SMSCs often answer submit_sm_resp with a hex id and name it in decimal in the receipt, or the
    reverse (notes/api-webhooks-sms.md 6, "Ids can differ"); ids are stored normalised (normal_id).
    """
    normal = normal_id(message_id)
    forms = {normal}
    if normal.isdigit() and len(normal) <= 20:
        forms.add(normal_id(format(int(normal), "x")))
    if all(char in "0123456789abcdef" for char in normal) and len(normal) <= 16:
        forms.add(normal_id(str(int(normal, 16))))
    return sorted(forms)
