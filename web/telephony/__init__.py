"""Telephony core: extensions, routes, trunks, groups, IVRs (SPEC §3)."""
from flask import Blueprint

bp = Blueprint("telephony", __name__, url_prefix="/telephony")

from web.telephony import (  # noqa: E402,F401  (views register on bp)
    blocklist,
    bots,
    callbacks,
    conferences,
    config_document,
    costs,
    disa,
    extension_import,
    extensions,
    groups,
    inbound_routes,
    ivrs,
    meetings,
    outbound,
    phones,
    profiles,
    schedules,
    sms,
    speech_models,
    trunks,
)
