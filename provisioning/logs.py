"""Keep provisioning tokens out of every log line: gunicorn's access and error logs, and our own.

A phone's URL is ``/prov/<token>/<file>``: whoever reads a log with that URL can fetch the phone's
SIP password. Everything logged passes through ``redact``, which replaces the folder after
``/prov/`` and any 32-hex-digit run (a token wherever it appears: a Referer, a file name) by
``<redacted>``. MACs (12 hex digits) and file names stay: they are what an admin needs to read.
"""
import logging
import re

from gunicorn.glogging import Logger

#: Everything between ``/prov/`` and the file name: the token, or what a client sent in its place.
_TOKEN_FOLDER = re.compile(r"(/prov/)[^?#\s\"]+/")
#: A token wherever it is (``secrets.token_hex(16)``); longer hex runs are redacted too.
_TOKEN = re.compile(r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{32,}(?![0-9A-Fa-f])")
REDACTED = "<redacted>"


def redact(value):
    """Return ``value`` with provisioning tokens replaced; values other than text are returned as they are."""
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        return value
    return _TOKEN.sub(REDACTED, _TOKEN_FOLDER.sub(rf"\g<1>{REDACTED}/", value))


class RedactingLogger(Logger):
    """Gunicorn's logger (``--logger-class provisioning.logs.RedactingLogger``) that never writes a token.

    The access log's atoms (request line, path, query, headers, environ) and the error log's
    messages and arguments (e.g. "Error handling request /prov/<token>/...") are redacted.
    """

    def atoms(self, resp, req, environ, request_time):
        """Return gunicorn's access-log atoms with every token redacted."""
        return {key: redact(value) for key, value in super().atoms(resp, req, environ, request_time).items()}

    def critical(self, msg, *args, **kwargs):
        """Log at CRITICAL without tokens."""
        super().critical(redact(msg), *map(redact, args), **kwargs)

    def error(self, msg, *args, **kwargs):
        """Log at ERROR without tokens."""
        super().error(redact(msg), *map(redact, args), **kwargs)

    def warning(self, msg, *args, **kwargs):
        """Log at WARNING without tokens."""
        super().warning(redact(msg), *map(redact, args), **kwargs)

    def info(self, msg, *args, **kwargs):
        """Log at INFO without tokens."""
        super().info(redact(msg), *map(redact, args), **kwargs)

    def debug(self, msg, *args, **kwargs):
        """Log at DEBUG without tokens."""
        super().debug(redact(msg), *map(redact, args), **kwargs)

    def exception(self, msg, *args, **kwargs):
        """Log an exception without tokens in the message."""
        super().exception(redact(msg), *map(redact, args), **kwargs)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts tokens from a record's message and arguments (Flask's own error lines)."""

    def filter(self, record):
        """Redact ``record`` in place; never drop it."""
        record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: redact(value) for key, value in record.args.items()}
        return True


def install(*loggers):
    """Attach a RedactingFilter to each of ``loggers`` (once)."""
    for logger in loggers:
        if not any(isinstance(existing, RedactingFilter) for existing in logger.filters):
            logger.addFilter(RedactingFilter())
