"""Call center: queues, agents, dashboards and reports (SPEC §2)."""
from flask import Blueprint

bp = Blueprint("callcenter", __name__, url_prefix="/callcenter")
