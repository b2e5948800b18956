"""Mark user-visible domain messages for translation without importing Flask.

The domain raises errors whose messages are English msgids marked with ``N_``;
the web layer translates them with the user's locale (Babel extracts ``N_``).
"""


def N_(message):
    """Mark ``message`` for extraction; translated later by whoever shows it."""
    return message
