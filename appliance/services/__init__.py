"""Use cases: the only code that writes models. Each validates, writes atomically, then queues side effects."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who is making a change, for permissions and the audit log."""

    user_id: int | None
    username: str
    address: str = ""

    @classmethod
    def system(cls, name="system"):
        """The actor for changes made by the CLI or the daemon."""
        return cls(user_id=None, username=name)
