"""RFC 9457 problem details: how every error under /api/ answers (pages keep their HTML errors).

Imports nothing of ``web`` so that ``web.plugins`` (the pages' error handlers) can hand API
requests here without an import cycle.
"""
import json
import math

from flask import Response, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from appliance.errors import ImportRejected, ValidationError

API_PREFIX = "/api/"
MEDIA_TYPE = "application/problem+json"

#: Short, translated summaries of each status (the problem's ``title``).
TITLES = {
    400: _l("Bad request"),
    401: _l("Authentication required"),
    403: _l("Forbidden"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    406: _l("Not acceptable"),
    409: _l("Conflict"),
    412: _l("Precondition failed"),
    413: _l("Request too large"),
    415: _l("Unsupported media type"),
    422: _l("Invalid input"),
    428: _l("Precondition required"),
    429: _l("Too many requests"),
    500: _l("Internal error"),
    503: _l("Service unavailable"),
}
#: Messages of marshmallow (the API's type checks), so that they reach the catalogs and are translated.
FIELD_MESSAGES = (
    _l("Missing data for required field."),
    _l("Unknown field."),
    _l("Field may not be null."),
    _l("Not a valid integer."),
    _l("Not a valid string."),
    _l("Not a valid boolean."),
    _l("Not a valid list."),
    _l("Not a valid datetime."),
    _l("Not a valid date."),
    _l("Invalid input type."),
    _l("Invalid value."),
    _l("Must be one of the allowed values."),
    _l("Length or size out of range."),
    _l("Value out of range."),
    _l("String does not match expected pattern."),
)


def is_api():
    """Tell whether the current request is one of the API's (answered with problem details)."""
    return request.path.startswith(API_PREFIX)


def problem(status, detail=None, errors=None, headers=None):
    """Return an ``application/problem+json`` response for ``status``.

    ``errors`` maps a field name to its (already translated) message.
    """
    title = str(TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400]))
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail or title}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _translated(message, params):
    text = gettext(message)
    return text % params if params else text


def from_domain_error(error, status):
    """Return the problem for a DomainError (field messages of a ValidationError or import in ``errors``)."""
    errors = None
    if isinstance(error, ValidationError):
        errors = {field: _translated(message, params) for field, (message, params) in error.fields.items()}
    elif isinstance(error, ImportRejected):
        errors = {f"{row.row}.{row.field}": _translated(row.message, row.params) for row in error.errors}
    retry_after = getattr(error, "retry_after", None)
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))} if retry_after else None
    return problem(status, _translated(error.message, error.params), errors, headers)


#: The outer keys of webargs' messages: where a field was read, not a field.
LOCATIONS = ("json", "query", "headers", "form", "files", "_schema")


def _flatten(messages, prefix=""):
    """Turn webargs' ``{"json": {"name": ["msg"]}}`` into ``{"name": "msg"}`` (nested fields dotted)."""
    flat = {}
    for key, value in messages.items():
        name = "" if not prefix and key in LOCATIONS else (f"{prefix}.{key}" if prefix else str(key))
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        else:
            first = value[0] if isinstance(value, list) and value else value
            flat[name or "body"] = gettext(str(first))
    return flat


def from_http_exception(error):
    """Return the problem for a werkzeug HTTPException raised under /api/ (routing, webargs, aborts)."""
    status = error.code or 500
    headers = dict(error.get_headers()) if hasattr(error, "get_headers") else {}
    headers.pop("Content-Type", None)
    data = getattr(error, "data", None) or {}
    headers.update(data.get("headers") or {})
    messages = data.get("messages") or data.get("errors")
    errors = _flatten(messages) if isinstance(messages, dict) else None
    detail = data.get("message")
    if not detail and error.description and error.description != type(error).description:
        detail = gettext(error.description)  # our own msgid, raised with a reason
    if status == 422 and errors:
        detail = gettext("Some fields are invalid.")
    return problem(status, str(detail) if detail else None, errors, headers)
