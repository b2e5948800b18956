"""Read the live engine state the daemon publishes."""
from flask import current_app

from appliance import live


def live_state():
    """Return the daemon's last LiveState for this installation."""
    return live.read(current_app.config["VAR_DIR"])
