"""Advanced features: monitoring, SMS, conferences, blacklists, cost centers (SPEC §4)."""
from flask import Blueprint

bp = Blueprint("advanced", __name__, url_prefix="/advanced")
