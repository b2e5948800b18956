"""What every destination kind knows: its target's syntax, its label, its dialplan, what exists."""
import re
from dataclasses import dataclass

#: Numbers people dial inside the PBX: extensions, groups, (later) queues, IVRs, rooms.
INTERNAL_NUMBER = re.compile(r"[0-9]{1,20}")


@dataclass(frozen=True)
class Choice:
    """One target offered by the destination picker."""

    target: str
    label: str


class Kind:
    """One kind of destination; subclasses fill in the attributes and methods."""

    #: Stored prefix and registry key, e.g. "extension".
    name = ""
    #: The kind as the picker lists it (an ``N_`` msgid).
    title = ""
    #: Whether the kind points at something (hang-up does not).
    needs_target = True
    #: Whether its targets are numbers inside the PBX, which disappear with their extension or group.
    internal = True

    def target_valid(self, target):
        """Tell whether ``target`` is well-formed for this kind (pure: no database)."""
        return bool(INTERNAL_NUMBER.fullmatch(target or "")) if self.needs_target else not target

    def dialplan(self, target):
        """Return the dialplan application that sends a call to ``target`` (pure)."""
        raise NotImplementedError

    def exists(self, target):
        """Tell whether ``target`` exists now."""
        raise NotImplementedError

    def describe(self, target):
        """Return ``(msgid, params)`` naming ``target`` for people."""
        raise NotImplementedError

    def choices(self, search, limit):
        """Return up to ``limit`` Choices whose number or name matches ``search``."""
        return []

    def allowed(self, actor):
        """Tell whether ``actor`` may send calls to this kind (admins and the system may pick every kind)."""
        return True


class NumberedKind(Kind):
    """A kind whose targets are rows with a number and a name (extensions, groups, later queues, IVRs)."""

    #: The peewee model, and the msgid naming one target ("Extension %(label)s").
    model = None
    label_message = ""

    def rows(self):
        """Return the query of every row this kind may target (narrowed by subclasses)."""
        return self.model.select()

    def exists(self, target):
        """Tell whether a row with this number exists."""
        return self.rows().where(self.model.number == target).exists()

    def describe(self, target):
        """Name it "<label message>" with its number and name."""
        row = self.model.get_or_none(self.model.number == target)
        return self.label_message, {"label": f"{target} {row.name}" if row else target}

    def choices(self, search, limit):
        """Offer rows by number or name."""
        query = self.rows().select(self.model.number, self.model.name).order_by(self.model.number)
        if search:
            query = query.where(self.model.number.startswith(search) | self.model.name.contains(search))
        return [Choice(row.number, f"{row.number} {row.name}") for row in query.limit(limit)]
