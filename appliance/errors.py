"""Domain exceptions that carry translatable, field-level reasons."""


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
