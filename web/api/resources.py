"""Every resource of the API, in the order the document lists them: one line per blueprint."""
from web.api import extensions, me, users

BLUEPRINTS = (
    users.blp,
    extensions.blp,
    extensions.devices,
    me.blp,
)
