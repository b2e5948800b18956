"""A small dialplan builder: contexts made of extensions made of steps, written in one format.

Renderers say what a call does (``Context.exten(pattern, step, step, ...)``) and this module
writes ``exten => …,1,…`` / ``same => n(label),…`` lines. It also refuses what would let a value
change the dialplan's structure: a line break (a new line is a new statement), an unescaped
``;`` (the rest of the line becomes a comment), a repeated label in one extension.
"""
import re
from dataclasses import dataclass

_PATTERN = re.compile(r"_?[0-9A-Za-z*#+\[\]!.\-]+")
_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_UNESCAPED_SEMICOLON = re.compile(r"(?<!\\);")


@dataclass(frozen=True)
class Step:
    """One priority: a dialplan application with its arguments, optionally labelled for jumps."""

    app: str
    label: str = ""

    def __post_init__(self):
        _check_text(self.app, "application")
        if self.label and not _LABEL.fullmatch(self.label):
            raise ValueError(f"invalid label {self.label!r}")


@dataclass(frozen=True)
class Note:
    """A comment line among an extension's steps (why, not what)."""

    text: str


def at(label, app):
    """Return the Step ``app`` labelled ``label`` (a ``Goto``/``GotoIf`` target)."""
    return Step(app, label)


def quietly(name, value):
    """Return an expression that sets ``name`` (a variable or a writable function) to ``value`` and reads as "".

    func_logic's ``SET()`` assigns and returns the value; the ``:0:0`` substring drops it. Folded into the
    arguments of the step that follows (``Goto(ctx${SET…},…)``, ``GotoIf($["${SET…}…"…])``), it saves the
    ``Set``/``MSet`` step: every priority a call runs publishes a channel snapshot (decision 053).
    Asterisk expands a step's arguments left to right, so a later ``${name}`` in them reads the new value.
    ``value`` must expand to text whose parentheses balance: Asterisk looks for the substring's ``:`` at
    parenthesis depth 0 after expanding it.
    """
    return f"${{SET({name}={value}):0:0}}"


def _check_text(text, what):
    if "\n" in text or "\r" in text:
        raise ValueError(f"a dialplan {what} cannot hold a line break: {text[:60]!r}")
    # The "in" first: a whole file's steps pass here, and few hold a ; at all.
    if ";" in text and _UNESCAPED_SEMICOLON.search(text):
        raise ValueError(f"a dialplan {what} cannot hold an unescaped ';': {text[:60]!r}")


class Context:
    """One dialplan context: its comments, includes, extensions and hints, in the order added."""

    def __init__(self, name, *notes):
        _check_text(name, "context name")
        self.name = name
        self._lines = [f"[{name}]"] + [f"; {note}" for note in notes]

    def note(self, text):
        """Add a comment line."""
        self._lines.append(f"; {text}")
        return self

    def include(self, name):
        """Include another context (its extensions match after this one's)."""
        _check_text(name, "context name")
        self._lines.append(f"include => {name}")
        return self

    def setting(self, key, value):
        """Add a ``key = value`` line (the ``[general]`` section)."""
        _check_text(f"{key}{value}", "setting")
        self._lines.append(f"{key} = {value}")
        return self

    def exten(self, pattern, *steps):
        """Add extension ``pattern`` running ``steps`` (Step, a plain application string, or Note) in order."""
        if not _PATTERN.fullmatch(pattern):
            raise ValueError(f"invalid extension pattern {pattern!r}")
        labels, first = set(), True
        for item in steps:
            if isinstance(item, Note):
                self._lines.append(f"; {item.text}")
                continue
            item = item if isinstance(item, Step) else Step(item)
            if item.label:
                if item.label in labels:
                    raise ValueError(f"label {item.label!r} used twice in {pattern}")
                labels.add(item.label)
            priority = ("1" if first else "n") + (f"({item.label})" if item.label else "")
            self._lines.append(f"exten => {pattern},{priority},{item.app}" if first else
                               f" same => {priority},{item.app}")
            first = False
        return self

    def hint(self, pattern, states, presence=""):
        """Add a BLF hint: device ``states`` (joined by &) and an optional presence provider."""
        if not _PATTERN.fullmatch(pattern):
            raise ValueError(f"invalid extension pattern {pattern!r}")
        value = "&".join(states) + (f",{presence}" if presence else "")
        _check_text(value, "hint")
        self._lines.append(f"exten => {pattern},hint,{value}")
        return self

    def merge(self, other):
        """Add the body of ``other`` (a section of the same name another module built) after this one's.

        Asterisk reads only the first section of a name (``[globals]``: ast_variable_browse), so every
        module's share of one section must end up in one.
        """
        if other.name != self.name:
            raise ValueError(f"cannot merge [{other.name}] into [{self.name}]")
        self._lines += other._lines[1:]
        return self

    def lines(self):
        """Return the context's lines."""
        return list(self._lines)


def render(header, *contexts):
    """Return a whole dialplan file: ``header``, then each context followed by a blank line."""
    lines = [header.rstrip("\n"), ""]
    for context in contexts:
        lines += context.lines() + [""]
    return "\n".join(lines).rstrip("\n") + "\n"
