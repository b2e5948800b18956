"""Generations of the compiled Asterisk configuration: what was applied, when, and how it went."""
import json

import peewee

from appliance.db import BaseModel
from appliance.models.users import utcnow

#: applied - Asterisk runs (or, if it was stopped, will start with) these files;
#: failed - Asterisk refused them and the previous files were restored;
#: rolled_back - was applied, then replaced by restoring an older generation.
STATUSES = ("applied", "failed", "rolled_back")


class EngineGeneration(BaseModel):
    """One complete set of Asterisk config files as compiled from the database."""

    number = peewee.IntegerField(unique=True)
    created_at = peewee.DateTimeField(default=utcnow, index=True)
    status = peewee.CharField(max_length=16, index=True)
    #: JSON {filename: text}: the whole set, so any two generations can be compared.
    files = peewee.TextField()
    #: JSON [filename]: what this generation wrote, relative to the one before it.
    changed = peewee.TextField(default="[]")
    #: JSON [filename]: changed files that only take effect when Asterisk restarts.
    restart_needed = peewee.TextField(default="[]")
    error = peewee.TextField(default="")
    duration_ms = peewee.IntegerField(default=0)

    class Meta:
        table_name = "engine_generations"

    def file_map(self):
        """Return ``{filename: text}``."""
        return json.loads(self.files)

    def changed_files(self):
        """Return the names of the files this generation changed."""
        return json.loads(self.changed)

    def restart_files(self):
        """Return the changed files that wait for an Asterisk restart."""
        return json.loads(self.restart_needed)
