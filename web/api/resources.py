"""Every resource of the API, in the order the document lists them: one line per blueprint."""
from web.api import (
    blocklist,
    call_profiles,
    calls,
    extensions,
    groups,
    inbound_routes,
    me,
    outbound_routes,
    phones,
    queues,
    system,
    trunks,
    users,
)

BLUEPRINTS = (
    users.blp,
    extensions.blp,
    extensions.devices,
    groups.blp,
    queues.blp,
    phones.blp,
    trunks.blp,
    outbound_routes.blp,
    call_profiles.blp,
    inbound_routes.blp,
    blocklist.blp,
    me.blp,
    calls.blp,
    system.blp,
)
