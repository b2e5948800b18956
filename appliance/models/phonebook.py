"""Phonebook contacts: an extension's personal ones, and shared company contacts."""
import unicodedata

import peewee

from appliance.db import BaseModel
from appliance.models.extensions import Extension
from appliance.models.users import utcnow

#: Kinds of phone number a contact may have; vCard TEL types map onto these.
NUMBER_LABELS = ("mobile", "work", "home", "other")


def fold(text):
    """Return ``text`` lower-cased without accents, so "joao" finds "João" (SQLite's LIKE folds ASCII only)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


class Contact(BaseModel):
    """A person or company in a phonebook: personal to ``owner``, or shared by everyone when it has none."""

    owner = peewee.ForeignKeyField(Extension, null=True, backref="contacts", on_delete="CASCADE")
    name = peewee.CharField(max_length=100)
    company = peewee.CharField(max_length=100, default="")
    email = peewee.CharField(max_length=254, default="")
    notes = peewee.TextField(default="")
    #: fold(name + company): what a search by name or company compares with.
    search_text = peewee.CharField(max_length=201, default="")
    created_at = peewee.DateTimeField(default=utcnow)
    updated_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "contacts"
        indexes = ((("owner", "search_text"), False),)

    def public_fields(self):
        """Return what an audit entry shows of this contact."""
        return {"name": self.name, "company": self.company, "email": self.email, "notes": self.notes,
                "numbers": [f"{n.label}:{n.number}" for n in self.numbers.order_by(ContactNumber.position)]}


class ContactNumber(BaseModel):
    """One phone number of a contact, in the order the person typed them."""

    contact = peewee.ForeignKeyField(Contact, backref="numbers", on_delete="CASCADE")
    position = peewee.SmallIntegerField(default=0)
    label = peewee.CharField(max_length=16, default="mobile")
    #: E.164 (+5511912345678) for public numbers; internal numbers and * / # codes as typed.
    number = peewee.CharField(max_length=32)
    #: The number's digits only, for search ("9123" finds +55 11 91234-5678).
    digits = peewee.CharField(max_length=32, index=True)

    class Meta:
        table_name = "contact_numbers"
