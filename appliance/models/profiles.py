"""Call profiles (categorias e perfis): which kinds of outside numbers an extension may call, and its caps."""
import peewee

from appliance.db import BaseModel
from appliance.models.ivr import Prompt
from appliance.models.users import utcnow

#: Kinds of outside numbers a route serves and a profile may allow. Internal calls and emergency
#: numbers are always allowed (confgen/outbound.py); 0800/0300/400X count as national.
PERMISSION_CLASSES = ("local", "national", "mobile", "international", "premium", "collect")
#: What a new extension may call: internal, local, national, mobile (and emergency, always).
DEFAULT_CLASSES = ("local", "national", "mobile")


class CallProfile(BaseModel):
    """A template of permissions and caps; every extension has one (None means the default profile)."""

    name = peewee.CharField(max_length=40, unique=True)
    #: Allowed PERMISSION_CLASSES, comma separated.
    classes = peewee.CharField(max_length=200, default=",".join(DEFAULT_CLASSES))
    #: External calls one extension of this profile may have at once.
    max_external_per_extension = peewee.IntegerField(default=2)
    #: External calls all extensions of this profile may have at once; 0: no cap but the trunks'.
    max_external_total = peewee.IntegerField(default=0)
    #: Minutes of international calls one extension may make per day (America/Sao_Paulo day).
    international_minutes_per_day = peewee.IntegerField(default=30)
    #: The profile new extensions get, and extensions without one use (exactly one row).
    is_default = peewee.BooleanField(default=False)
    created_at = peewee.DateTimeField(default=utcnow)
    #: Recording of its extensions' calls (made and received): the strictest of this and the extension's (m0030).
    recording = peewee.CharField(max_length=10, default="never")
    #: Days its recordings are kept (0: the global RECORDINGS_KEEP_DAYS; the longest applicable wins, m0030).
    recording_keep_days = peewee.IntegerField(default=0)
    #: The prompt the parties hear when its policy starts a recording (None: no announcement; m0030).
    recording_prompt = peewee.ForeignKeyField(Prompt, null=True, on_delete="RESTRICT", backref="+")

    class Meta:
        table_name = "call_profiles"

    @property
    def class_list(self):
        """Return the allowed classes as a tuple, in PERMISSION_CLASSES order."""
        chosen = set(filter(None, self.classes.split(",")))
        return tuple(name for name in PERMISSION_CLASSES if name in chosen)

    def public_fields(self):
        """Return the fields an audit entry shows."""
        return {"name": self.name, "classes": self.classes,
                "max_external_per_extension": self.max_external_per_extension,
                "max_external_total": self.max_external_total,
                "international_minutes_per_day": self.international_minutes_per_day, "is_default": self.is_default,
                "recording": self.recording, "recording_keep_days": self.recording_keep_days,
                "recording_prompt": self.recording_prompt_id}
