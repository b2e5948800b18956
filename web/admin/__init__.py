"""Administration: user accounts and the audit log."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from web.admin import audit, backup_targets, backups, bans, mail, site, system, tls, users, webhooks  # noqa: E402,F401  (views register on bp)
