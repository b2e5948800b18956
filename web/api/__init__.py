"""The JSON API (versioned under /api/v1)."""
from flask import Blueprint, jsonify

from appliance import db, migrations
from web.plugins import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # the API authenticates with tokens, not cookies


@bp.route("/health")
def health():
    """Report whether the app and its database answer, and the schema version."""
    version = migrations.current(db.database.obj)
    healthy = version == migrations.head()
    return jsonify(status="ok" if healthy else "degraded", schema_version=version), 200 if healthy else 503
