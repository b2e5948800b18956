"""Phonebook files: CSV and vCard (3.0 and 4.0) read into ContactInput rows and written back; no database.

Reading only splits a file into contacts; the phonebook service validates each one, so a
file and the web form reject the same things with the same words.
"""
import csv
import io
import re
from dataclasses import dataclass, field

import vobject

from appliance import csvsafe
from appliance.errors import ImportRejected, RowError
from appliance.i18n import N_

#: The CSV header ``export_csv`` writes and ``parse_csv`` expects (phone columns come in pairs).
MAX_NUMBERS = 3
CSV_COLUMNS = ("name", "company", "email",
               *[column for i in range(1, MAX_NUMBERS + 1) for column in (f"phone{i}_type", f"phone{i}")],
               "notes")
# Spreadsheets made by people, in either language, name the columns their own way.
HEADER_ALIASES = {
    "nome": "name", "full name": "name", "empresa": "company", "organization": "company",
    "e-mail": "email", "notas": "notes", "observações": "notes", "observacoes": "notes",
    "phone": "phone1", "telefone": "phone1", "número": "phone1", "numero": "phone1",
    "tipo": "phone1_type", "type": "phone1_type",
}
# vCard TEL TYPE values (RFC 2426, RFC 6350) onto our labels; unknown ones become "other".
VCARD_TYPES = {"cell": "mobile", "mobile": "mobile", "iphone": "mobile", "work": "work", "home": "home"}
LABEL_TYPES = {"mobile": "cell", "work": "work", "home": "home", "other": "voice"}
# Words people write in a CSV type column, in English and Portuguese.
CSV_TYPES = {"celular": "mobile", "cel": "mobile", "cell": "mobile", "móvel": "mobile", "trabalho": "work",
             "comercial": "work", "residencial": "home", "casa": "home", "outro": "other"}


@dataclass
class ContactInput:
    """What a person types (or a file holds) for one contact; ``numbers`` is ``[(label, number)]``."""

    name: str
    company: str = ""
    email: str = ""
    notes: str = ""
    numbers: list = field(default_factory=list)


def label_of(word):
    """Return our label for a CSV type word or vCard TYPE ("cell", "Celular"); "other" when unknown."""
    word = (word or "").strip().lower()
    if word in LABEL_TYPES:
        return word
    return CSV_TYPES.get(word) or VCARD_TYPES.get(word) or "other"


def decode(data):
    """Return the text of an uploaded file or raise ImportRejected.

    UTF-8 (with or without BOM) first; UTF-16 when it starts with its BOM (Excel's "Unicode
    text"); otherwise Windows-1252, what Excel in Portuguese saves a CSV in.
    """
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" in text:
        raise ImportRejected.file(N_("The file is not a text file (CSV or vCard).")) from None
    return text


def is_vcard(text):
    """Tell whether ``text`` looks like a vCard file rather than a CSV."""
    return text.lstrip()[:11].upper() == "BEGIN:VCARD"


# -- CSV -----------------------------------------------------------------------------------------------


def parse_csv(text, max_rows):
    """Return ``[(row number, ContactInput)]`` from CSV text with a header row; raise ImportRejected."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # one column, or nothing to sniff: plain commas
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [column.strip().lower() for column in next(reader, [])]
        header = [HEADER_ALIASES.get(column, column) for column in header]
        if "name" not in header:
            raise ImportRejected([RowError(1, "file", N_("The first row must name the columns, one of them name."),
                                           {})])
        rows = []
        for row_number, values in enumerate(reader, start=2):
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= max_rows:
                raise ImportRejected([RowError(row_number, "file", N_("A file holds at most %(max)d contacts."),
                                               {"max": max_rows})])
            cells = dict(zip(header, values, strict=False))
            numbers = []
            for i in range(1, MAX_NUMBERS + 1):
                number = cells.get(f"phone{i}", "").strip()
                if number:
                    numbers.append((label_of(cells.get(f"phone{i}_type", "")), number))
            text = {key: csvsafe.restore(cells.get(key, "")) for key in ("name", "company", "email", "notes")}
            rows.append((row_number, ContactInput(numbers=numbers, **text)))
    except csv.Error as error:
        raise ImportRejected.file(N_("The file is not a valid CSV: %(reason)s"), reason=str(error)) from None
    return rows


def export_csv(contacts):
    """Return CSV text of ``contacts`` (ContactInput), in the format ``parse_csv`` reads."""
    out = io.StringIO()
    writer = csvsafe.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for contact in contacts:
        phones = [cell for label, number in contact.numbers[:MAX_NUMBERS] for cell in (label, number)]
        phones += [""] * (2 * MAX_NUMBERS - len(phones))
        writer.writerow((contact.name, contact.company, contact.email, *phones, contact.notes))
    return out.getvalue()


# -- vCard ---------------------------------------------------------------------------------------------


def _text(card, name):
    line = card.contents.get(name, [None])[0]
    if line is None:
        return ""
    value = line.value
    if isinstance(value, list):  # ORG is a list of units: company; department
        value = ", ".join(part for part in value if part)
    return str(value).strip()


def _tel_value(value):
    # vCard 4.0 writes numbers as URIs (RFC 3966): "tel:+55-11-91234-5678;ext=12".
    value = value.strip()
    if value.lower().startswith("tel:"):
        value = value[4:].split(";", 1)[0]
    return value


def _card(card):
    """Return the ContactInput of one parsed vCard."""
    numbers = []
    for tel in card.contents.get("tel", []):
        types = [t.lower() for group in tel.params.get("TYPE", []) for t in group.split(",")]
        label = next((VCARD_TYPES[t] for t in types if t in VCARD_TYPES), "other")
        if _tel_value(tel.value):
            numbers.append((label, _tel_value(tel.value)))
    name = _text(card, "fn")
    if not name and "n" in card.contents:
        n = card.n.value
        name = " ".join(part for part in (n.prefix, n.given, n.additional, n.family, n.suffix) if part).strip()
    emails = card.contents.get("email", [])
    return ContactInput(name, _text(card, "org"), emails[0].value.strip() if emails else "", _text(card, "note"),
                        numbers)


# RFC 6350 3.2: a line starting with a space or a tab continues the previous one.
FOLDED = re.compile(r"\r?\n[ \t]")
#: vCard 2.1 may embed one card in another (AGENT); deeper nesting is only ever an attack:
#: vobject recurses once per level, and a thousand levels end in a RecursionError.
MAX_NESTING = 2


def _check_nesting(text):
    """Refuse components nested deeper than MAX_NESTING before vobject reads them."""
    depth = 0
    for line in FOLDED.sub("", text).splitlines():
        # "item1.BEGIN;X=1:VCARD" is a BEGIN too: drop the value, the parameters and the group.
        name = line.split(":", 1)[0].split(";", 1)[0].rsplit(".", 1)[-1].strip().upper()
        if name == "BEGIN":
            depth += 1
            if depth > MAX_NESTING:
                raise ImportRejected.file(N_("The file has vCards nested inside vCards, which is not supported."))
        elif name == "END":
            depth = max(0, depth - 1)


def parse_vcard(text, max_cards):
    """Return ``[(card number, ContactInput)]`` from a vCard 3.0 or 4.0 file; raise ImportRejected."""
    _check_nesting(text)
    cards = []
    try:
        for index, component in enumerate(vobject.readComponents(text, ignoreUnreadable=False), start=1):
            if component.name.upper() != "VCARD":
                raise ImportRejected.file(N_("The file holds something other than vCards (%(what)s)."),
                                          what=component.name)
            if len(cards) >= max_cards:
                raise ImportRejected([RowError(index, "file", N_("A file holds at most %(max)d contacts."),
                                               {"max": max_cards})])
            version = _text(component, "version")
            if version not in ("2.1", "3.0", "4.0"):
                raise ImportRejected([RowError(index, "file", N_("vCard version %(version)s is not supported."),
                                               {"version": version or "?"})])
            cards.append((index, _card(component)))
    except vobject.base.VObjectError as error:
        # vobject's messages ("At line 5: Component VCARD was never closed") are English-only
        # evidence for the person fixing the file; our sentence around them is translated.
        raise ImportRejected.file(N_("The file is not a valid vCard: %(reason)s"), reason=str(error)) from None
    except RecursionError:  # whatever slipped past _check_nesting still gets an answer, not a 500
        raise ImportRejected.file(N_("The file has vCards nested inside vCards, which is not supported.")) from None
    return cards


def _is_tel_uri(number):
    # RFC 3966 would need "#" percent-encoded; feature codes go out as plain text values instead.
    return number[:1] in "+0123456789" and not set(number) & set("*#")


def export_vcard(contacts, version="3.0"):
    """Return a vCard file (``version`` "3.0" or "4.0") with one card per ContactInput."""
    out = []
    for contact in contacts:
        card = vobject.vCard()
        card.add("version").value = version
        card.add("fn").value = contact.name
        # N is mandatory in 3.0: the whole name goes in "given", since splitting names is guesswork.
        card.add("n").value = vobject.vcard.Name(given=contact.name)
        if contact.company:
            card.add("org").value = [contact.company]
        for label, number in contact.numbers:
            tel = card.add("tel")
            tel.type_param = LABEL_TYPES.get(label, "voice")
            if version == "4.0" and _is_tel_uri(number):
                tel.value_param = "uri"
                tel.value = f"tel:{number}"
            else:
                tel.value = number
        if contact.email:
            card.add("email").value = contact.email
        if contact.notes:
            card.add("note").value = contact.notes
        out.append(card.serialize())
    return "".join(out)
