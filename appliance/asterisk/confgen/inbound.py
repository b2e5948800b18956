"""Render inbound routing: calls from trunks, by DID and caller, to their destinations."""


def contexts(source):
    """Return the dialplan contexts of inbound routing for ``source`` (an EngineInput)."""
    return ()
