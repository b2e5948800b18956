"""The extension panel: what every logged-in person sees of their own (SPEC §1)."""
from flask import Blueprint

bp = Blueprint("panel", __name__, url_prefix="/panel")

from web.panel import account, call_history, context, devices, messages, phone, phonebook, settings, voicemail  # noqa: E402,F401  (views register on bp)
