"""Dial patterns in Asterisk's syntax: checked, matched and turned into example numbers, with no Asterisk.

A pattern is stored without its leading ``_``: ``0ZXZZ[2-5]XXXXXXX``, ``00ZXZ.``, ``190``. X is any
digit, Z 1-9, N 2-9, ``[1-3]``/``[135]`` a class, ``.`` one or more characters and ``!`` zero or
more (both only last), ``+`` and ``*`` themselves (docs.asterisk.org, Configuration/Dialplan/Pattern-
Matching). Asterisk accepts much more (letters, classes of letters, a "." anywhere) and then
quietly never matches: ``problem`` refuses all of that with a message people can act on. The
compiler (confgen/outbound.py) checks every pattern again before it reaches the dialplan.
"""
import re

from appliance.i18n import N_

MAX_LENGTH = 40
_ALLOWED = set("0123456789XZN[]-.!+*")
_CLASS_ITEM = re.compile(r"[0-9]-[0-9]|[0-9]")
_DIGITS = {"X": "0123456789", "Z": "123456789", "N": "23456789"}


def normalize(pattern):
    """Return ``pattern`` as stored: no leading ``_``, no spaces, letters upper case, no dashes outside [ ]."""
    text = (pattern or "").strip().upper().replace(" ", "")
    if text.startswith("_"):
        text = text[1:]
    out, inside = [], False
    for char in text:
        if char == "[":
            inside = True
        elif char == "]":
            inside = False
        if char == "-" and not inside:
            continue  # Asterisk ignores a dash outside a class (it is there for reading: 0800-XXX)
        out.append(char)
    return "".join(out)


def problem(pattern):
    """Return ``(msgid, params)`` saying why ``pattern`` (normalised) is refused, or None when it is good."""
    if not pattern:
        return N_("Enter a dial pattern."), {}
    if len(pattern) > MAX_LENGTH:
        return N_("Use at most %(max)d characters."), {"max": MAX_LENGTH}
    bad = sorted(set(pattern) - _ALLOWED)
    if bad:
        return N_("A pattern holds digits, X, Z, N, [ ], -, ., !, + and * only (not %(chars)s)."), \
            {"chars": " ".join(bad)}
    if "+" in pattern[1:]:
        return N_("A + can only be the first character."), {}
    for index, char in enumerate(pattern):
        if char in ".!" and index != len(pattern) - 1:
            return N_("%(char)s matches the rest of the number: it can only be the last character."), \
                {"char": char}
    try:
        _tokens(pattern)
    except _Refused as refused:
        return refused.args[0], refused.args[1]
    if pattern in (".", "!", "X.", "X!", "+.", "+!"):
        return N_("This pattern would send every number outside: make it more specific."), {}
    return None


class _Refused(Exception):
    pass


def _tokens(pattern):
    """Return the pattern as a list of (kind, chars): ("set", "0123") per position, ("any", "+") or ("any", "*")."""
    tokens, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "]":
            raise _Refused(N_("A ] closes no [."), {})
        if char == "[":
            end = pattern.find("]", index)
            if end < 0:
                raise _Refused(N_("A [ is never closed by a ]."), {})
            body = pattern[index + 1:end]
            if "[" in body:
                raise _Refused(N_("A [ cannot hold another [."), {})
            if not body:
                raise _Refused(N_("[] holds no digit: it can never match."), {})
            digits = ""
            for item in re.findall(r"[0-9]-[0-9]|.", body):
                if not _CLASS_ITEM.fullmatch(item):
                    raise _Refused(N_("Inside [ ] use digits and ranges like 2-5 only."), {})
                if len(item) == 3:
                    if item[0] > item[2]:
                        raise _Refused(N_("The range %(range)s is backwards: it can never match; write %(fixed)s."),
                                       {"range": f"[{item}]", "fixed": f"[{item[2]}-{item[0]}]"})
                    digits += "".join(str(d) for d in range(int(item[0]), int(item[2]) + 1))
                else:
                    digits += item
            tokens.append(("set", "".join(sorted(set(digits)))))
            index = end + 1
            continue
        if char in _DIGITS:
            tokens.append(("set", _DIGITS[char]))
        elif char in ".!":
            tokens.append((char, ""))
        else:
            tokens.append(("set", char))
        index += 1
    return tokens


def literal_prefix(pattern):
    """Return the digits every number ``pattern`` matches starts with ("" when it starts with X, [..] or .)."""
    prefix = []
    for kind, chars in _tokens(pattern):
        if kind != "set" or len(chars) != 1:
            break
        prefix.append(chars)
    return "".join(prefix)


def examples(pattern):
    """Return numbers ``pattern`` matches, one per length its ``.`` or ``!`` allows up to 8 more digits."""
    tails = range(0, 9) if pattern[-1:] in (".", "!") else (0,)
    return list(dict.fromkeys(example(pattern, tail=tail) for tail in tails))


def is_exact(pattern):
    """Return whether ``pattern`` is a plain number (written without "_" in the dialplan)."""
    return bool(re.fullmatch(r"\+?[0-9*]+", pattern))


def dialplan_name(pattern):
    """Return the extension name Asterisk is given: the number itself, or ``_`` + the pattern."""
    return pattern if is_exact(pattern) else "_" + pattern


def regex(pattern):
    """Return a compiled regular expression matching what ``pattern`` matches."""
    parts = []
    for kind, chars in _tokens(pattern):
        if kind == ".":
            parts.append(".+")
        elif kind == "!":
            parts.append(".*")
        else:
            parts.append("[" + re.escape(chars) + "]" if len(chars) > 1 else re.escape(chars))
    return re.compile("".join(parts))


def matches(pattern, number):
    """Return whether ``pattern`` matches the whole of ``number``."""
    return bool(regex(pattern).fullmatch(number))


def example(pattern, digit_choice=0, tail=0):
    """Return a number ``pattern`` matches: each position's ``digit_choice``-th digit, ``tail`` digits for ! (at
    least one for .)."""
    out = []
    for kind, chars in _tokens(pattern):
        if kind in ".!":
            out.append("1" * (max(tail, 1) if kind == "." else tail))
        else:
            out.append(chars[min(digit_choice, len(chars) - 1)])
    return "".join(out)


def rewrite(number, strip, prepend):
    """Return ``number`` without its first ``strip`` characters and with ``prepend`` in front."""
    return prepend + number[strip:]
