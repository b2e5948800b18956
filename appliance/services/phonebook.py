"""The phonebook: an extension's personal contacts, shared company contacts and the company directory.

Personal contacts belong to one extension and are changed from its panel; shared contacts
(no owner) are seen by everyone and changed by admins only, with every change audited.
"""
import re
from dataclasses import dataclass, field

from peewee import prefetch

from appliance import phone_numbers
from appliance.db import database
from appliance.errors import NotFound, PermissionDenied, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import Extension
from appliance.models.phonebook import NUMBER_LABELS, Contact, ContactNumber, fold
from appliance.models.users import User, utcnow
from appliance.services import audit, engine_sync
from appliance.services import phonebook_formats as formats
from appliance.services.phonebook_formats import MAX_NUMBERS, ContactInput, ImportRejected, RowError
from appliance.settings import DEFAULTS
from provisioning.base import DirectoryEntry

__all__ = ["ContactInput", "ImportRejected", "RowError"]

MAX_LENGTHS = {"name": 100, "company": 100, "email": 254, "notes": 1000}
#: How many rows of each section a search shows: a phonebook page is not a report.
SEARCH_LIMIT = 200
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Notes may span lines; every other field is one line.
CONTROL = {"notes": re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")}
ONE_LINE = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Limits:
    """How large a phonebook file and a phonebook may be (the PHONEBOOK_* settings).

    Each imported contact costs a worker about half a millisecond: the caps keep an upload
    from holding a worker for seconds (5,000 contacts took 2-4 s on two cores).
    """

    max_file_bytes: int
    max_contacts: int
    max_shared_contacts: int

    @classmethod
    def from_settings(cls, conf):
        """Build the limits from a settings mapping."""
        return cls(conf["PHONEBOOK_MAX_FILE_KB"] * 1024, conf["PHONEBOOK_MAX_CONTACTS"],
                   conf["PHONEBOOK_MAX_SHARED_CONTACTS"])

    def most(self, shared):
        """Return the most contacts a personal (or the shared) phonebook may hold."""
        return self.max_shared_contacts if shared else self.max_contacts


DEFAULT_LIMITS = Limits.from_settings(DEFAULTS)


@dataclass
class SearchResult:
    """What a phonebook search found, per section."""

    personal: list = field(default_factory=list)
    shared: list = field(default_factory=list)
    directory: list = field(default_factory=list)
    #: True when a section was cut at SEARCH_LIMIT rows.
    truncated: bool = False


# -- numbers -------------------------------------------------------------------------------------------


def _digits(text):
    return re.sub(r"\D", "", text or "")


# -- validation ----------------------------------------------------------------------------------------


def _clean(data):
    """Return ``(values, numbers)`` of a valid ContactInput; raise ValidationError with every problem."""
    errors, values = {}, {}
    for name, limit in MAX_LENGTHS.items():
        text = (getattr(data, name) or "").strip()
        # Stored as text and escaped when shown: markup or SQL in a name is just a name.
        if CONTROL.get(name, ONE_LINE).search(text):
            errors[name] = (N_("Remove the control characters."), {})
        elif len(text) > limit:
            errors[name] = (N_("Use at most %(max)d characters."), {"max": limit})
        values[name] = text
    if not values["name"]:
        errors["name"] = (N_("Enter a name."), {})
    if values["email"] and not EMAIL.match(values["email"]):
        errors["email"] = (N_("Enter a valid e-mail address."), {})
    numbers = []
    typed = [(label, (number or "").strip()) for label, number in data.numbers]
    typed = [(label, number) for label, number in typed if number]
    if len(typed) > MAX_NUMBERS:
        errors["phone1"] = (N_("A contact has at most %(max)d numbers."), {"max": MAX_NUMBERS})
    for index, (label, number) in enumerate(typed[:MAX_NUMBERS], start=1):
        normalized = phone_numbers.normalize(number)
        if normalized is None:
            errors[f"phone{index}"] = (N_("%(number)s is not a phone number: use the area code "
                                          "(11 91234-5678), the country code (+1 650 253 0000), an extension "
                                          "or a * / # code."), {"number": number[:40]})
        else:
            numbers.append((label if label in NUMBER_LABELS else "other", normalized))
    if errors:
        raise ValidationError(errors)
    return values, numbers


# -- reading -------------------------------------------------------------------------------------------


def is_admin(actor):
    """Tell whether ``actor`` may change shared contacts (admins, and the system itself)."""
    if actor.user_id is None:
        return True
    return User.select().where((User.id == actor.user_id) & (User.role == "admin") & User.active).exists()


def get_contact(contact_id, extension):
    """Return a contact ``extension`` may see (its own or a shared one), or raise NotFound."""
    contact = Contact.get_or_none((Contact.id == contact_id)
                                  & (Contact.owner.is_null() | (Contact.owner == extension.id)))
    if contact is None:
        raise NotFound(N_("Contact not found."))
    return contact


def _with_numbers(query):
    return prefetch(query, ContactNumber.select().order_by(ContactNumber.position))


def _matching(query, text):
    folded, digits = fold(text.strip()), _digits(text)
    condition = Contact.search_text.contains(folded)
    if len(digits) >= 2:
        condition |= Contact.id.in_(ContactNumber.select(ContactNumber.contact)
                                    .where(ContactNumber.digits.contains(digits)))
    return query.where(condition)


def search(extension, text=""):
    """Return the SearchResult of ``text`` (name, company or number) in ``extension``'s phonebook."""
    text = (text or "").strip()[:100]
    result = SearchResult()
    for section, owner in (("personal", Contact.owner == extension.id), ("shared", Contact.owner.is_null())):
        query = Contact.select().where(owner).order_by(Contact.search_text, Contact.id)
        if text:
            query = _matching(query, text)
        rows = _with_numbers(query.limit(SEARCH_LIMIT + 1))
        result.truncated |= len(rows) > SEARCH_LIMIT
        setattr(result, section, rows[:SEARCH_LIMIT])
    folded, digits = fold(text), _digits(text)
    # Few enough to filter here, and Extension has no folded column for accent-free matching.
    directory = [other for other in Extension.select().where(Extension.enabled).order_by(Extension.number)
                 if not text or folded in fold(other.name) or (digits and digits in other.number)]
    result.truncated |= len(directory) > SEARCH_LIMIT
    result.directory = directory[:SEARCH_LIMIT]
    return result


def list_contacts(extension, shared=False):
    """Return ``extension``'s personal contacts (or the shared ones) with their numbers, by name."""
    owner = Contact.owner.is_null() if shared else Contact.owner == extension.id
    return _with_numbers(Contact.select().where(owner).order_by(Contact.search_text, Contact.id))


def phone_directory(extension=None):
    """Return the shared contacts and ``extension``'s personal ones as a desk phone's DirectoryEntry rows.

    A phone's XML phonebook has one number per entry: a contact with several numbers
    gets one entry per number, the first under its plain name.
    """
    owner = Contact.owner.is_null()
    if extension is not None:
        owner |= Contact.owner == extension.id
    entries = []
    for contact in _with_numbers(Contact.select().where(owner).order_by(Contact.search_text, Contact.id)):
        for index, number in enumerate(contact.numbers):
            entries.append(DirectoryEntry(contact.name if index == 0 else f"{contact.name} ({index + 1})",
                                          number.number))
    return entries


def as_input(contact):
    """Return a stored contact as a ContactInput (what the edit form and the exports show)."""
    numbers = [(n.label, n.number) for n in sorted(contact.numbers, key=lambda n: n.position)]
    return ContactInput(contact.name, contact.company, contact.email, contact.notes, numbers)


# -- writing -------------------------------------------------------------------------------------------


def _check_may_change(contact_owner_id, extension, actor):
    if contact_owner_id is None:
        if not is_admin(actor):
            raise PermissionDenied(N_("Only an administrator may change shared contacts."))
    elif contact_owner_id != extension.id:
        raise NotFound(N_("Contact not found."))


def _write(contact, values, numbers):
    for name, value in values.items():
        setattr(contact, name, value)
    contact.search_text = fold(f"{values['name']} {values['company']}")[:201]
    contact.updated_at = utcnow()
    contact.save()
    ContactNumber.delete().where(ContactNumber.contact == contact.id).execute()
    if numbers:
        ContactNumber.insert_many([{"contact": contact.id, "position": position, "label": label,
                                    "number": number, "digits": _digits(number)}
                                   for position, (label, number) in enumerate(numbers)]).execute()


def _count(owner_id):
    return Contact.select().where(Contact.owner.is_null() if owner_id is None else Contact.owner == owner_id).count()


def create(extension, data, actor, shared=False, limits=DEFAULT_LIMITS):
    """Add a contact to ``extension``'s personal phonebook, or (admins) to the shared one; return it."""
    owner_id = None if shared else extension.id
    _check_may_change(owner_id, extension, actor)
    values, numbers = _clean(data)
    with database.atomic():
        if _count(owner_id) >= limits.most(shared):
            raise ValidationError.one("phonebook", N_("This phonebook is full: it holds at most %(max)d contacts."),
                                      max=limits.most(shared))
        contact = Contact(owner=owner_id)
        _write(contact, values, numbers)
        if shared:
            audit.record(actor, "contact.create", "contact", contact.id, contact.name,
                         after=contact.public_fields())
            engine_sync.request([], files=True, callers=True)
    return contact


def update(contact_id, data, actor, extension):
    """Change a contact ``extension`` owns, or a shared one (admins); return it."""
    values, numbers = _clean(data)
    with database.atomic():
        contact = get_contact(contact_id, extension)
        _check_may_change(contact.owner_id, extension, actor)
        before = contact.public_fields()
        _write(contact, values, numbers)
        if contact.owner_id is None:
            audit.record(actor, "contact.update", "contact", contact.id, contact.name,
                         before=before, after=contact.public_fields())
            engine_sync.request([], files=True, callers=True)
    return contact


def delete(contact_id, actor, extension):
    """Delete a contact ``extension`` owns, or a shared one (admins)."""
    with database.atomic():
        contact = get_contact(contact_id, extension)
        _check_may_change(contact.owner_id, extension, actor)
        if contact.owner_id is None:
            audit.record(actor, "contact.delete", "contact", contact.id, contact.name,
                         before=contact.public_fields())
            engine_sync.request([], files=True, callers=True)
        contact.delete_instance(recursive=True)


# -- files ---------------------------------------------------------------------------------------------


def import_file(extension, data, actor, shared=False, limits=DEFAULT_LIMITS):
    """Add every contact of a CSV or vCard file (bytes) to a phonebook; all or none. Return how many.

    A file over ``limits.max_file_bytes``, or one that would take the phonebook past its most
    contacts, is refused whole before anything is written.
    """
    owner_id = None if shared else extension.id
    _check_may_change(owner_id, extension, actor)
    if len(data) > limits.max_file_bytes:
        raise ImportRejected.file(N_("The file is larger than %(max)d KB."), max=limits.max_file_bytes // 1024)
    most = limits.most(shared)
    text = formats.decode(data)
    if formats.is_vcard(text):
        rows = formats.parse_vcard(text, most)
    else:
        rows = formats.parse_csv(text, most)
    if not rows:
        raise ImportRejected.file(N_("The file has no contact in it."))
    held = _count(owner_id)
    if held + len(rows) > most:
        raise ImportRejected.file(
            N_("The phonebook holds %(held)d contacts and may hold at most %(max)d: this file would add %(count)d."),
            held=held, max=most, count=len(rows))
    clean, errors = [], []
    for row, data_row in rows:
        try:
            clean.append(_clean(data_row))
        except ValidationError as error:
            errors += [RowError(row, name, message, params) for name, (message, params) in error.fields.items()]
    if errors:
        raise ImportRejected(errors)
    owner_id = None if shared else extension.id
    with database.atomic():
        for values, numbers in clean:
            _write(Contact(owner=owner_id), values, numbers)
        if shared:
            audit.record(actor, "contact.import", "contact", "", "", after={"count": len(clean)})
            engine_sync.request([], files=True, callers=True)
    return len(clean)


def export(extension, kind, shared=False):
    """Return a phonebook as file text: ``kind`` is "csv", "vcf" (vCard 3.0) or "vcf4" (vCard 4.0)."""
    contacts = [as_input(contact) for contact in list_contacts(extension, shared)]
    if kind == "csv":
        return formats.export_csv(contacts)
    return formats.export_vcard(contacts, "4.0" if kind == "vcf4" else "3.0")
