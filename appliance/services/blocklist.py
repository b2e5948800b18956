"""Blacklists: callers refused on the way in, numbers refused on the way out; system-wide or per extension.

Entries compile into dialplan patterns (confgen/blocklist.py), live after commit with one dialplan
reload. An extension with its own inbound list also gets the AstDB key ``CN/<number>/block_in``
(pushed with its toggles, services/extension_settings.py), which sends external calls to it through
the check. Blocked attempts are counted from call records: the dialplan marks them in the userfield.
"""
import csv
import io
from dataclasses import dataclass

import peewee

from appliance import csvsafe, phone_numbers
from appliance.asterisk.confgen import blocklist as rules
from appliance.db import database
from appliance.errors import ImportRejected, NotFound, PermissionDenied, RowError, ValidationError
from appliance.i18n import N_
from appliance.models.blocklist import BlockedNumber
from appliance.models.call_history import CallRecord
from appliance.models.extensions import Extension
from appliance.services import audit, engine_sync
from appliance.services.phonebook import is_admin

CSV_COLUMNS = ("direction", "match", "number", "extension", "note")
MAX_ROWS = 5000
MAX_FILE_BYTES = 512 * 1024


@dataclass
class BlockInput:
    """What a person types: direction "in"/"out", match "exact"/"prefix"/"anonymous", a number, an extension."""

    direction: str = "in"
    match: str = "exact"
    number: str = ""
    extension: str = ""  # "" system-wide
    note: str = ""


@dataclass(frozen=True)
class Attempts:
    """Blocked attempts of one entry: how many, and the last one (UTC), from call records."""

    count: int = 0
    last: object = None


def clean_number(raw, match):
    """Return ``raw`` as stored for ``match``: E.164 for a whole public number, digits as dialled else; None if bad.

    A prefix keeps what was typed (digits after an optional +): "+55303", "0800".
    """
    text = phone_numbers.strip_separators(raw or "")
    if match == "exact":
        number = phone_numbers.normalize(text)
    else:
        number = text
    return number if number and rules._NUMBER.fullmatch(number) else None


def _find_extension(number, errors):
    if not number:
        return None
    extension = Extension.get_or_none(Extension.number == (number or "").strip())
    if extension is None:
        errors["extension"] = (N_("No such extension: %(numbers)s."), {"numbers": number})
    return extension


def _validate(data, errors):
    clean = {}
    if data.direction not in rules.DIRECTIONS:
        errors["direction"] = (N_("Choose an option from the list."), {})
    if data.match not in rules.MATCHES or (data.match == "anonymous" and data.direction != "in"):
        errors["match"] = (N_("Choose an option from the list."), {})
    number = ""
    if data.match != "anonymous":
        number = clean_number(data.number, data.match)
        if number is None:
            errors["number"] = (N_("Enter a phone number, or the digits the numbers start with."), {})
    note = (data.note or "").strip()
    if len(note) > 100 or not note.isprintable():
        errors["note"] = (N_("Use at most %(max)d characters."), {"max": 100})
    extension = _find_extension(data.extension, errors)
    clean.update(direction=data.direction, match=data.match, number=number or "", note=note, extension=extension)
    if not errors and _same(clean).exists():
        errors["number"] = (N_("This number is already on the list."), {})
    return clean


def _same(clean):
    query = BlockedNumber.select().where(BlockedNumber.direction == clean["direction"],
                                         BlockedNumber.match == clean["match"],
                                         BlockedNumber.number == clean["number"])
    if clean["extension"] is None:
        return query.where(BlockedNumber.extension.is_null())
    return query.where(BlockedNumber.extension == clean["extension"])


def _public(entry):
    return {"direction": entry.direction, "match": entry.match, "number": entry.number, "note": entry.note,
            "extension": entry.extension.number if entry.extension_id else ""}


def _may(actor, extension, own=None):
    """System-wide lists: admins only; an extension's own list: admins or the person (``own``)."""
    if is_admin(actor):
        return
    if extension is None or own is None or extension.id != own.id:
        raise PermissionDenied(N_("Only an administrator may change the system-wide blacklist."))


def _after_change(extensions):
    """Recompile the dialplan; push the AstDB key of extensions whose inbound list changed."""
    engine_sync.request([], files=True)
    numbers = sorted({extension.number for extension in extensions if extension is not None})
    if numbers:
        from appliance.services import extension_settings
        Extension.update(toggles_pushed=False).where(Extension.number.in_(numbers)).execute()
        database.after_commit(lambda: extension_settings.push(numbers))


def add(data, actor, own=None):
    """Add an entry (``own``: the extension a non-admin acts for); return it."""
    with database.atomic():
        errors = {}
        clean = _validate(data, errors)
        if errors:
            raise ValidationError(errors)
        _may(actor, clean["extension"], own)
        entry = BlockedNumber.create(**clean)
        audit.record(actor, "block.create", "block", entry.id, entry.number or entry.match, after=_public(entry))
        _after_change([entry.extension if entry.direction == "in" else None])
    return entry


def get_entry(entry_id):
    """Return the entry with ``entry_id`` or raise NotFound."""
    entry = BlockedNumber.get_or_none(BlockedNumber.id == entry_id)
    if entry is None:
        raise NotFound(N_("Blacklist entry not found."))
    return entry


def remove(entry_id, actor, own=None):
    """Remove an entry (``own``: a non-admin may remove only entries of their own extension)."""
    with database.atomic():
        entry = get_entry(entry_id)
        if not is_admin(actor) and (own is None or entry.extension_id != own.id):
            raise NotFound(N_("Blacklist entry not found."))
        audit.record(actor, "block.delete", "block", entry.id, entry.number or entry.match, before=_public(entry))
        extension = entry.extension if entry.extension_id and entry.direction == "in" else None
        entry.delete_instance()
        _after_change([extension])


def list_entries(extension=None, system=True):
    """Return entries: system-wide ones (``system``), or those of ``extension``; by direction, number."""
    query = BlockedNumber.select(BlockedNumber, Extension).join(Extension, peewee.JOIN.LEFT_OUTER)
    if extension is not None:
        query = query.where(BlockedNumber.extension == extension)
    elif system:
        query = query.where(BlockedNumber.extension.is_null())
    return query.order_by(BlockedNumber.direction, BlockedNumber.match, BlockedNumber.number)


def has_inbound_list(extension):
    """Tell whether external calls to ``extension`` must be checked against its own list (AstDB block_in)."""
    return BlockedNumber.select().where(BlockedNumber.extension == extension, BlockedNumber.direction == "in").exists()


def _marker(entry):
    base = f"blocked-{entry.direction}" + ("-anon" if entry.match == "anonymous" else "")
    return f"{base}:{entry.extension.number}" if entry.extension_id else base


def attempts(entries):
    """Return ``{entry id: Attempts}``: blocked calls the records hold for each entry (counted, last time).

    The dialplan marks each refused call's record (``CDR(userfield)``); the caller (``src``) tells
    which inbound entry refused it, the number in the mark which outbound entry.
    """
    found = {}
    for entry in entries:
        query = CallRecord.select(peewee.fn.COUNT(CallRecord.id), peewee.fn.MAX(CallRecord.calldate))
        marker = _marker(entry)
        if entry.direction == "out":
            # "blocked-out[:<extension>] <number as listed>": the record's dst is the number as dialled.
            mark = f"{marker} {entry.number}"
            query = query.where(CallRecord.userfield == mark if entry.match == "exact"
                                else CallRecord.userfield.startswith(mark))
        elif entry.match == "exact":
            query = query.where(CallRecord.userfield == marker, CallRecord.src == entry.number)
        elif entry.match == "prefix":
            query = query.where(CallRecord.userfield == marker, CallRecord.src.startswith(entry.number))
        else:
            query = query.where(CallRecord.userfield == marker)
        count, last = query.tuples().get()
        found[entry.id] = Attempts(count or 0, last)
    return found


# -- files ----------------------------------------------------------------------------------------


def export_csv(extension=None, all_entries=False):
    """Return the system-wide list (``extension``'s, or ``all_entries``) as CSV text, cells defused for spreadsheets."""
    out = io.StringIO()
    writer = csvsafe.Writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in list_entries(extension, system=not all_entries):
        writer.writerow([entry.direction, entry.match, entry.number,
                         entry.extension.number if entry.extension_id else "", entry.note])
    return out.getvalue()


def import_csv(data, actor):
    """Add every entry of a CSV file (bytes; admins); all or none. Return how many were added.

    Rows already on the list are skipped; a row with an error rejects the file, naming each row.
    """
    if not is_admin(actor):
        raise PermissionDenied(N_("Only an administrator may change the system-wide blacklist."))
    if len(data) > MAX_FILE_BYTES:
        raise ImportRejected.file(N_("The file is larger than %(max)d KB."), max=MAX_FILE_BYTES // 1024)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected.file(N_("The file is not UTF-8 text.")) from None
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "number" not in reader.fieldnames:
        raise ImportRejected.file(N_("The file needs a header row with a %(column)s column."), column="number")
    errors, clean, seen = [], [], set()
    for index, row in enumerate(reader, start=2):
        if index - 1 > MAX_ROWS:
            raise ImportRejected.file(N_("A file has at most %(max)d rows."), max=MAX_ROWS)
        cells = {key: csvsafe.restore((row.get(key) or "").strip()) for key in CSV_COLUMNS}
        data_row = BlockInput(direction=cells["direction"] or "in", match=cells["match"] or "exact",
                              number=cells["number"], extension=cells["extension"], note=cells["note"])
        fields = {}
        values = _validate(data_row, fields)
        errors += [RowError(index, name, message, params) for name, (message, params) in fields.items()
                   if not (name == "number" and message == N_("This number is already on the list."))]
        key = (values["direction"], values["match"], values["number"], values["extension"])
        if not fields and key not in seen:
            seen.add(key)
            clean.append(values)
    if errors:
        raise ImportRejected(errors)
    with database.atomic():
        for values in clean:
            BlockedNumber.create(**values)
        audit.record(actor, "block.import", "block", "", "", after={"count": len(clean)})
        _after_change([values["extension"] for values in clean if values["direction"] == "in"])
    return len(clean)


def block_caller(number, actor, extension=None, own=None):
    """Block calls from ``number`` (a call history row's): to ``extension`` only, or everyone (admins)."""
    data = BlockInput(direction="in", match="exact", number=number,
                      extension=extension.number if extension is not None else "")
    return add(data, actor, own=own)
