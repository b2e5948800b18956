"""Music-on-hold classes admins fill with uploaded sounds; a queue plays one of them to its waiting callers."""
import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow


class MohClass(BaseModel):
    """A named set of sounds Asterisk plays in turn (musiconhold.conf ``cn-moh-<id>``, files mode)."""

    name = peewee.CharField(max_length=64, unique=True)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "moh_classes"


class MohFile(BaseModel):
    """One uploaded sound of a class, converted into the class's folder as ``f<id>.{sln16,sln,ulaw,alaw}``."""

    moh_class = peewee.ForeignKeyField(MohClass, backref="files", on_delete="CASCADE")
    #: The uploader's name for it (the file name shown; never a path).
    name = peewee.CharField(max_length=64)
    #: Seconds of audio, as converted.
    duration = peewee.FloatField(default=0.0)
    created_at = peewee.DateTimeField(default=utcnow)

    class Meta:
        table_name = "moh_files"
