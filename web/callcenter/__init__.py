"""Call center: queues, agents, dashboards and reports (SPEC §2)."""
from flask import Blueprint

bp = Blueprint("callcenter", __name__, url_prefix="/callcenter")

from web.callcenter import agents, dashboard, music, pause_reasons, queues, reports, wallboards  # noqa: E402,F401  (views register on bp)
