"""Domain exceptions that carry translatable, field-level reasons."""
from dataclasses import dataclass

from appliance.i18n import N_


class DomainError(Exception):
    """Base of every error the domain reports to a user."""

    def __init__(self, message, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class NotFound(DomainError):
    """The requested row does not exist."""


class PermissionDenied(DomainError):
    """The actor may not do this."""


class Unavailable(DomainError):
    """A part of the appliance (the phone system, a provider) cannot do this right now; retrying may work."""


class RateLimited(DomainError):
    """The actor did this too often; ``retry_after`` says in how many seconds it may again."""

    def __init__(self, message, retry_after, **params):
        super().__init__(message, **params)
        self.retry_after = retry_after


class ValidationError(DomainError):
    """Input was rejected; ``fields`` maps a field name to ``(message, params)``."""

    def __init__(self, fields):
        self.fields = fields
        first = next(iter(fields.values()))
        super().__init__(first[0], **first[1])

    @classmethod
    def one(cls, field, message, **params):
        """Build an error about a single field."""
        return cls({field: (message, params)})


@dataclass(frozen=True)
class RowError:
    """What is wrong with one row of an imported file (1-based; a CSV's header is row 1; 0: the whole file)."""

    row: int
    field: str
    message: str
    params: dict


class ImportRejected(DomainError):
    """An imported file or some of its rows are wrong; nothing was written. ``errors`` lists each problem."""

    def __init__(self, errors):
        if len(errors) == 1 and errors[0].field == "file":  # one reason for the whole file: say it
            super().__init__(errors[0].message, **errors[0].params)
        else:
            super().__init__(N_("Nothing was imported: %(count)d row(s) have errors."), count=len(errors))
        self.errors = errors

    @classmethod
    def file(cls, message, **params):
        """Reject the whole file for one reason."""
        return cls([RowError(0, "file", message, params)])
