"""Phonebook: contacts (personal per extension, or shared) and their phone numbers."""
import peewee


def up(db, migrator):
    """Create contacts and contact_numbers."""

    class Base(peewee.Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Extensions(Base):
        class Meta:
            table_name = "extensions"

    class Contacts(Base):
        owner = peewee.ForeignKeyField(Extensions, null=True, on_delete="CASCADE")
        name = peewee.CharField(max_length=100)
        company = peewee.CharField(max_length=100, default="")
        email = peewee.CharField(max_length=254, default="")
        notes = peewee.TextField(default="")
        search_text = peewee.CharField(max_length=201, default="")
        created_at = peewee.DateTimeField()
        updated_at = peewee.DateTimeField()

        class Meta:
            table_name = "contacts"
            indexes = ((("owner", "search_text"), False),)

    class ContactNumbers(Base):
        contact = peewee.ForeignKeyField(Contacts, on_delete="CASCADE")
        position = peewee.SmallIntegerField(default=0)
        label = peewee.CharField(max_length=16, default="mobile")
        number = peewee.CharField(max_length=32)
        digits = peewee.CharField(max_length=32, index=True)

        class Meta:
            table_name = "contact_numbers"

    db.create_tables([Contacts, ContactNumbers])
