"""Kept engine generations stop holding the AMI secret in clear (decision 011)."""
import json
import re

import peewee

# Until this version manager.conf had one user, and its "secret = " line was the only
# secret in any generated file. apply.unredact puts the current secret back on restore.
_SECRET_LINE = re.compile(r"^(secret\s*=\s*)\S.*$", re.MULTILINE)
_MARK = "<redacted:ami_secret>"


def up(db, migrator):
    """Replace the AMI secret in every kept generation's manager.conf by its mark."""

    class EngineGenerations(peewee.Model):
        files = peewee.TextField()

        class Meta:
            database = db
            table_name = "engine_generations"

    for generation in EngineGenerations.select(EngineGenerations.id, EngineGenerations.files):
        files = json.loads(generation.files)
        text = files.get("manager.conf")
        if not text:
            continue
        files["manager.conf"] = _SECRET_LINE.sub(lambda match: match[1] + _MARK, text)
        (EngineGenerations.update(files=json.dumps(files, sort_keys=True))
         .where(EngineGenerations.id == generation.id).execute())
