"""YAML in and out of the configuration document: safe loading within bounds, a stable block-style dump.

Loading never builds Python objects (the C safe loader when present), refuses documents over
``MAX_BYTES`` and documents with more than ``MAX_EVENTS`` parser events, and refuses anchors and
aliases outright: the document never needs them (the export writes none), and an alias is what a
"billion laughs" bomb is made of. Dumping writes no aliases either, in block style, keys in the
order given, so two exports of the same configuration are the same text.
"""
import re

import yaml

from appliance.errors import ValidationError
from appliance.i18n import N_

#: The largest document read (about 10,000 extensions and everything around them).
MAX_BYTES = 8 * 1024 * 1024
#: The most parser events (scalars, mappings, sequences) one document may hold.
MAX_EVENTS = 1_000_000
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Loader(_LOADER):
    """The safe loader, reading only plain decimals as integers: YAML 1.1 reads ``0700`` as 448 (octal)
    and ``1_000`` or ``0x1F`` as numbers too; here those stay the text written."""

    yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:int"]
        for first, resolvers in _LOADER.yaml_implicit_resolvers.items()}


_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"),
                              list("-+0123456789"))


class _Dumper(_DUMPER):
    """The safe dumper, never writing an anchor for a value met twice."""

    def ignore_aliases(self, data):
        return True


def refuse(message, **params):
    """Raise the error of the whole document."""
    raise ValidationError.one("document", message, **params)


def load(data):
    """Return the YAML text or bytes ``data`` as plain Python values, or raise ValidationError("document")."""
    if len(data) > MAX_BYTES:
        refuse(N_("The document is larger than %(max)d MB."), max=MAX_BYTES // (1024 * 1024))
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            refuse(N_("The document is not UTF-8 text."))
    try:
        for count, event in enumerate(yaml.parse(data, Loader=_LOADER), 1):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                refuse(N_("The document uses YAML anchors or aliases (&, *): write every value out."))
            if count > MAX_EVENTS:
                refuse(N_("The document has more than %(max)d values."), max=MAX_EVENTS)
        return yaml.load(data, Loader=_Loader)  # noqa: S506 (the C or Python *safe* loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        refuse(N_("This is not valid YAML (line %(line)d): %(problem)s"), line=(mark.line + 1) if mark else 0,
               problem=problem)


def dump(data, header=""):
    """Return ``data`` as block-style YAML text after ``header`` (comment lines)."""
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False,
                     width=120, indent=2)
    return header + text
