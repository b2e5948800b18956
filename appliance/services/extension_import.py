"""Many extensions at once: a number range, or a CSV file; all rows or none."""
import csv
import io

from appliance import csvsafe, passwords
from appliance.db import chunks, database
from appliance.errors import ImportRejected, RowError
from appliance.i18n import N_
from appliance.models.extensions import Device, Extension
from appliance.models.profiles import CallProfile
from appliance.services import audit, engine_sync, numbering
from appliance.services.extensions import SIP_PASSWORD_LENGTH, clean_name, validate_profile

#: At most this many extensions per range or file: a typo in a range must not make 90,000.
MAX_ROWS = 5000
CSV_COLUMNS = ("number", "name", "enabled", "email", "language", "voicemail", "max_calls", "ring_seconds",
               "call_profile")
#: Optional CSV column -> extension field (validated by extensions.validate_profile).
PROFILE_COLUMNS = {"email": "email", "language": "language", "voicemail": "voicemail_enabled",
                   "max_calls": "max_calls", "ring_seconds": "ring_seconds"}
PROFILE_DEFAULTS = {field: Extension._meta.fields[field].default for field in PROFILE_COLUMNS.values()}
#: Values of the "enabled" and "voicemail" columns that mean disabled (anything else, or no column, is enabled).
DISABLED = {"no", "não", "nao", "0", "false", "n"}


def _check(rows):
    """Validate ``[(row number, number, name, enabled, profile)]`` against each other and the database.

    ``profile`` holds the optional settings of PROFILE_COLUMNS. Return the clean rows.
    """
    errors, clean, seen = [], [], {}
    call_profiles = {p.name.casefold(): p.id for p in CallProfile.select(CallProfile.id, CallProfile.name)}
    default = next((p.id for p in CallProfile.select(CallProfile.id).where(CallProfile.is_default)), None)
    for row, number, name, enabled, profile in rows:
        fields = {}
        number = numbering.clean_internal_number(number, fields)
        name = clean_name(name, fields)
        wanted = profile.pop("call_profile", "")
        profile = validate_profile(profile, fields)
        profile["profile"] = call_profiles.get(wanted.casefold(), default) if wanted else default
        if wanted and wanted.casefold() not in call_profiles:
            fields["call_profile"] = (N_("No call profile is named %(name)s."), {"name": wanted})
        if not fields and number in seen:
            fields["number"] = (N_("Number %(number)s is repeated (row %(other)d)."), {"number": number,
                                                                                         "other": seen[number]})
        seen.setdefault(number, row)
        errors += [RowError(row, field, message, params) for field, (message, params) in fields.items()]
        clean.append((row, number, name, enabled, profile))
    taken = numbering.owners([number for _, number, *_ in clean])
    errors += [RowError(row, "number", *numbering.clash(number, taken[number]))
               for row, number, *_ in clean if number in taken]
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.row, e.field)))
    return clean


def _create_all(clean, actor, action):
    with database.atomic():
        for rows in chunks(clean):
            # insert_many needs the same columns in every row: defaults fill what a file left out.
            Extension.insert_many([{**PROFILE_DEFAULTS, "number": n, "name": name, "enabled": enabled,
                                    "voicemail_pin": passwords.generate_pin(), **profile}
                                   for _, n, name, enabled, profile in rows]).execute()
        ids = {}
        numbers = [n for _, n, *_ in clean]
        for some in chunks(numbers):
            ids.update({e.number: e.id for e in Extension.select(Extension.id, Extension.number)
                        .where(Extension.number.in_(some))})
        devices = [{"extension": ids[n], "sip_username": n, "sip_password": passwords.generate(SIP_PASSWORD_LENGTH)}
                   for n in numbers]
        for rows in chunks(devices):
            Device.insert_many(rows).execute()
        span = f"{numbers[0]}..{numbers[-1]}" if len(numbers) > 1 else numbers[0]
        audit.record(actor, action, "extension", "", span, after={"count": len(numbers),
                                                                   "numbers": ", ".join(numbers[:50])})
        # One device each: rows only (the dialplan and BLF hints are patterns, decision 007).
        engine_sync.request(numbers, files=False)
    return numbers


#: How a range names its extensions until people rename them (``%(number)s``: the extension's number).
RANGE_NAME = N_("Extension %(number)s")


def create_range(first, last, actor, name_template=RANGE_NAME):
    """Create extensions ``first``..``last`` (inclusive), one device each; all or none. Return the numbers.

    ``name_template`` is the name given to each, already translated by the caller (``%(number)s`` in it).
    """
    try:
        low, high = int(first), int(last)
    except (TypeError, ValueError):
        raise ImportRejected([RowError(0, "first", N_("Use 2 to 8 digits, not starting with 0."), {})]) from None
    if high < low or high - low + 1 > MAX_ROWS:
        raise ImportRejected([RowError(0, "last", N_("A range holds 1 to %(max)d numbers."), {"max": MAX_ROWS})])
    rows = [(index + 1, str(number), name_template % {"number": number}, True, {})
            for index, number in enumerate(range(low, high + 1))]
    return _create_all(_check(rows), actor, "extension.create_range")


def _cell(values, at):
    return csvsafe.restore(values[at]) if at < len(values) else ""  # our own export defused it


def import_csv(data, actor):
    """Create the extensions of a CSV file (number, name, and optionally the other CSV_COLUMNS); all rows or none."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected([RowError(0, "file", N_("The file is not UTF-8 text."), {})]) from None
    reader = csv.reader(io.StringIO(text))
    header = [column.strip().lower() for column in next(reader, [])]
    if "number" not in header or "name" not in header:
        raise ImportRejected([RowError(1, "file", N_("The first row must name the columns: number, name."), {})])
    at_number, at_name = header.index("number"), header.index("name")
    at_enabled = header.index("enabled") if "enabled" in header else None
    profile_at = {column: header.index(column) for column in (*PROFILE_COLUMNS, "call_profile") if column in header}
    rows = []
    for row_number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportRejected([RowError(row_number, "file", N_("A file holds at most %(max)d extensions."),
                                           {"max": MAX_ROWS})])
        enabled = at_enabled is None or _cell(values, at_enabled).strip().lower() not in DISABLED
        profile = {}
        for column, at in profile_at.items():
            value = _cell(values, at).strip()
            if value:  # an empty cell keeps the default
                profile[PROFILE_COLUMNS.get(column, column)] = \
                    (value.lower() not in DISABLED) if column == "voicemail" else value
        rows.append((row_number, _cell(values, at_number), _cell(values, at_name), enabled, profile))
    if not rows:
        raise ImportRejected([RowError(0, "file", N_("The file has no extension in it."), {})])
    return _create_all(_check(rows), actor, "extension.import")


def export_csv():
    """Return every extension as CSV text (no secrets), in the format ``import_csv`` reads."""
    out = io.StringIO()
    writer = csvsafe.writer(out)
    writer.writerow(CSV_COLUMNS)
    names = {p.id: p.name for p in CallProfile.select(CallProfile.id, CallProfile.name)}
    default = next((p.name for p in CallProfile.select(CallProfile.name).where(CallProfile.is_default)), "")
    for extension in Extension.select().order_by(Extension.number):
        writer.writerow((extension.number, extension.name, "yes" if extension.enabled else "no", extension.email,
                         extension.language, "yes" if extension.voicemail_enabled else "no", extension.max_calls,
                         extension.ring_seconds, names.get(extension.profile_id, default)))
    return out.getvalue()
