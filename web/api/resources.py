"""Every resource of the API, in the order the document lists them: one line per blueprint."""
from web.api import calls, extensions, groups, me, phones, system, users

BLUEPRINTS = (
    users.blp,
    extensions.blp,
    extensions.devices,
    groups.blp,
    phones.blp,
    me.blp,
    calls.blp,
    system.blp,
)
