"""Read the live engine state the daemon publishes, and where phones reach the engine."""
from flask import current_app, request

from appliance import live
from appliance.services import engine_sync


def live_state():
    """Return the daemon's last LiveState for this installation."""
    return live.read(current_app.config["VAR_DIR"])


def sip_server():
    """Return the (host, port) a phone should register to."""
    engine = engine_sync.configured_engine()
    bind, port = ((engine.settings.bind_address, engine.settings.sip_port) if engine
                  else (current_app.config["SIP_BIND"], current_app.config["SIP_PORT"]))
    # Listening on every address: the one this browser reached us on is the likeliest for its phones too.
    return (request.host.split(":")[0] if bind in ("0.0.0.0", "::") else bind), port
