"""Telephony core: extensions, routes, trunks, groups, IVRs (SPEC §3)."""
from flask import Blueprint

bp = Blueprint("telephony", __name__, url_prefix="/telephony")
