"""Render blacklist checks: callers refused on the way in, numbers refused on the way out."""
from appliance.asterisk.names import OUTBOUND_BLOCK_CHECK

from .dialplan import Context


def contexts(source):
    """Return the dialplan contexts of the blacklists for ``source`` (an EngineInput)."""
    check = Context(OUTBOUND_BLOCK_CHECK, "Outbound numbers refused: none yet.")
    check.exten("s", "Return()")
    return (check,)
