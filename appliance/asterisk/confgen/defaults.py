"""Render the core config files whose built-in defaults are already right.

The files exist only so the core does not log a missing-file error at every
boot (the instance's etc/ holds nothing but what confgen writes).
"""
from .asterisk import HEADER


def render_defaults_only():
    """Return the text of a config file that keeps Asterisk's built-in defaults."""
    return HEADER + "; Asterisk's built-in defaults apply.\n"
