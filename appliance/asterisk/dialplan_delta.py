"""Small dialplan edits made live through AMI instead of a pbx_config reload.

A pbx_config reload re-reads the whole extensions.conf: a route's pattern or a phone's BLF hint
costs as much as rewriting everything. When two texts of extensions.conf differ only in
extension lines (no include, switch, ignorepat, general or globals change, no label on a changed
extension — AMI cannot set one), ``plan`` returns the ``DialplanExtensionAdd`` (with Replace)
and ``DialplanExtensionRemove`` actions that turn the running dialplan into the new text; the
file is written all the same, so a later reload or start reads what runs. Anything it does not
understand answers None and the caller reloads, as before (docs/decisions/033).

The text is read the way Asterisk reads it (config.c, then pbx_config.c's ``pbx_load_config``):
``;`` starts a comment unless escaped, ``exten``/``same`` with ``n``/``next``/``s``/``same``,
numbers or ``hint`` as priorities, the application split at its first ``(`` and last ``)``.
Both actions register as ``pbx_config``, the registrar of the file's own lines, so the next
reload replaces them cleanly.
"""
import re

#: Sections whose change only a reload applies (options of the dialplan, global variables).
_RELOAD_SECTIONS = ("general", "globals")
_EXTENSION_KEYS = ("exten", "same")
_HINT = "hint"


def plan(old_text, new_text):
    """Return the AMI actions (dicts of headers) from ``old_text`` to ``new_text``, or None when only a reload can."""
    old_raw, new_raw = _raw_sections(old_text), _raw_sections(new_text)
    if old_raw is None or new_raw is None:
        return None
    # Only the sections whose text differs are read line by line: at 200 routes reading all of
    # both texts cost more than the AMI actions themselves.
    changed = [name for name in set(old_raw) | set(new_raw) if old_raw.get(name) != new_raw.get(name)]
    old = _sections("".join(old_raw.get(name, "") for name in changed))
    new = _sections("".join(new_raw.get(name, "") for name in changed))
    if old is None or new is None:
        return None
    actions = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name, []), new.get(name, [])
        if before == after:
            continue
        if name.lower() in _RELOAD_SECTIONS:
            return None
        was, now = _context(before), _context(after)
        if was is None or now is None or was[0] != now[0]:
            return None  # unreadable, or its includes/switches/ignorepats changed
        steps = _extension_steps(name, was[1], now[1])
        if steps is None:
            return None
        actions += steps
    return actions


def _extension_steps(context, before, after):
    steps = []
    for exten in sorted(set(before) | set(after)):
        old, new = before.get(exten, {}), after.get(exten, {})
        if old == new:
            continue
        if any(label for _, _, label in new.values()):
            return None
        if not new:
            steps.append({"Action": "DialplanExtensionRemove", "Context": context, "Extension": exten})
            continue
        for priority in sorted(new, key=_order):
            if old.get(priority) != new[priority]:
                app, data, _ = new[priority]
                steps.append({"Action": "DialplanExtensionAdd", "Context": context, "Extension": exten,
                              "Priority": str(priority), "Application": app, "ApplicationData": data,
                              "Replace": "yes"})
        for priority in sorted(set(old) - set(new), key=_order):
            steps.append({"Action": "DialplanExtensionRemove", "Context": context, "Extension": exten,
                          "Priority": str(priority)})
    return steps


def _order(priority):
    return -1 if priority == _HINT else priority


_HEADER = re.compile(r"\[([^\]\n]+)\][ \t]*(;[^\n]*)?\n?")


def _raw_sections(text):
    """Return ``{section: its text}`` split at the header lines, or None for what ``plan`` leaves to a reload."""
    text = text or ""
    if re.search(r"(?m)^[ \t]*(#|;--)", text):
        return None
    parts = re.split(r"(?m)^(?=\[)", text)
    if _uncomment_all(parts[0]).strip():
        return None  # lines before the first section
    sections = {}
    for part in parts[1:]:
        header = _HEADER.match(part)
        if header is None:
            return None  # "[x](+)" templates and the like
        sections[header[1]] = sections.get(header[1], "") + (part if part.endswith("\n") else part + "\n")
    return sections


def _uncomment_all(text):
    return "\n".join(_uncomment(line) for line in text.splitlines())


def _sections(text):
    """Return ``{section: [(key, value), ...]}`` as Asterisk's config reader sees ``text``, or None."""
    sections, current = {}, None
    for raw in (text or "").splitlines():
        stripped = raw.strip()
        if stripped.startswith((";--", "#")):  # block comments, #include/#exec: not followed here
            return None
        line = _uncomment(raw).strip()
        if not line:
            continue
        if line.startswith("["):
            match = re.fullmatch(r"\[([^\]]+)\]", line)
            if match is None:  # templates "[x](+)" and the like
                return None
            current = sections.setdefault(match[1], [])
            continue
        key, sep, value = line.partition("=")
        if not sep or current is None:
            return None
        current.append((key.strip().lower(), value.removeprefix(">").strip()))
    return sections


def _uncomment(line):
    """Drop a ``;`` comment; an escaped ``\\;`` stays as ``;`` (config.c)."""
    out, i = [], 0
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line) and line[i + 1] == ";":
            out.append(";")
            i += 2
            continue
        if char == ";":
            break
        out.append(char)
        i += 1
    return "".join(out)


def _context(lines):
    """Return ``(other lines, {exten: {priority: (app, data, label)}})`` of one context, or None."""
    others, extensions = [], {}
    last_exten, last_priority = None, None
    for key, value in lines:
        if key not in _EXTENSION_KEYS:
            if key not in ("include", "ignorepat", "switch", "lswitch", "eswitch"):
                return None
            others.append((key, value))
            continue
        rest = value
        if key == "exten":
            exten, rest = _split_extension(value)
            if exten is None:
                return None
            last_exten = exten
        elif last_exten is None:
            return None
        priority_text, _, appl = rest.partition(",")
        parsed = _priority(priority_text.strip(), last_priority)
        if parsed is None:
            return None
        priority, label = parsed
        if priority != _HINT:
            last_priority = priority
        app, data = _application(appl)
        extensions.setdefault(last_exten, {})[priority] = (app, data, label)
    return tuple(others), extensions


def _split_extension(value):
    """Split ``exten,rest`` as pbx_strsep does (commas inside [] and after \\ do not count)."""
    square, i = 0, 0
    while i < len(value):
        char = value[i]
        if char == "[":
            square += 1
        elif char == "]" and square:
            square -= 1
        elif char == "\\":
            i += 1
        elif char == "," and not square:
            break
        i += 1
    exten = value[:i]
    if not exten or "${" in exten or "$[" in exten or "/" in exten or "\\" in exten:
        return None, None  # variables, caller-id matches, escapes: left to pbx_config
    return exten, value[i + 1:]


def _priority(text, last):
    """Return (priority, label) as pbx_config numbers it, or None for what it would refuse or we skip."""
    label = None
    if "(" in text:
        text, _, rest = text.partition("(")
        if not rest.endswith(")"):
            return None
        label = rest[:-1]
    if "+" in text:
        return None
    if text == _HINT:
        return _HINT, label
    if text in ("n", "next"):
        return (last + 1, label) if last is not None else None
    if text in ("s", "same"):
        return (last, label) if last is not None else None
    if text.isdigit() and int(text) > 0:
        return int(text), label
    return None  # a label reference: pbx_config resolves it, we do not


def _application(appl):
    """Return (application, data) split as pbx_config splits them."""
    if "(" not in appl:
        return appl.lstrip(), ""
    name, _, data = appl.partition("(")
    if "${" in name or "$[" in name:  # a hint with variables: the whole text is the "application"
        return appl.lstrip(), ""
    end = data.rfind(")")
    return name.lstrip(), data[:end] if end >= 0 else data
