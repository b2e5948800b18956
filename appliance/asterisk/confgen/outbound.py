"""Render outbound routing: profiles' contexts, routes, trunks with failover, emergency numbers."""


def contexts(source):
    """Return the dialplan contexts of outbound routing for ``source`` (an EngineInput)."""
    return ()
