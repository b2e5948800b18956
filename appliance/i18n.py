"""Mark user-visible domain messages for translation without importing Flask.

The domain raises errors whose messages are English msgids marked with ``N_``;
the web layer translates them with the user's locale (Babel extracts ``N_``).
"""
import functools
from pathlib import Path


def N_(message):
    """Mark ``message`` for extraction; translated later by whoever shows it."""
    return message


def translations(language):
    """Return the catalog of ``language`` (gettext-style) for text made outside a web request (e-mails)."""
    return _catalog(language if language in _LANGUAGES else "pt_BR")


_LANGUAGES = ("pt_BR", "en")


@functools.cache
def _catalog(language):
    from babel.support import Translations

    return Translations.load(str(Path(__file__).resolve().parent.parent / "web" / "translations"), [language])
