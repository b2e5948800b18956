"""Natural keys for what rows point at: the document names things, the database holds ids.

Destinations whose target is an id (an IVR menu, a schedule) are written ``ivr:<name>`` and
``schedule:<name>``; numbered ones (``extension:201``, ``queue:650``) are already portable.
Prompts, trunks and call profiles are named by their (unique) names. Callbacks, DISA and bots
are not part of the document: a destination at one keeps its id and must exist on the box.
"""
import contextlib

from appliance.i18n import N_
from appliance.models.ivr import Ivr, Prompt
from appliance.models.profiles import CallProfile
from appliance.models.schedules import Schedule
from appliance.models.trunks import Trunk

#: Destination kinds whose target is a row id, written by the row's name in the document.
BY_NAME = {"ivr": Ivr, "schedule": Schedule}
MISSING = {"ivr": N_("There is no IVR menu named %(name)s."),
           "schedule": N_("There are no business hours named %(name)s.")}


def destination_out(text):
    """Return a stored destination as the document writes it (names instead of ids)."""
    kind, sep, target = (text or "").partition(":")
    model = BY_NAME.get(kind)
    if model is not None and sep and target.isdigit():
        name = _name_out(model, int(target))
        if name is not None:
            return f"{kind}:{name}"
    return text


def destination_in(text, path, errors):
    """Return the document's destination as stored (ids); record an error at ``path`` for a missing name."""
    kind, sep, target = (text or "").partition(":")
    model = BY_NAME.get(kind)
    if model is None or not sep:
        return text
    row = model.get_or_none(model.name == target)
    if row is None:
        errors[path] = (MISSING[kind], {"name": target})
        return "hangup"
    return f"{kind}:{row.id}"


_names = None  # (model, id) -> name while ``remembered()`` runs


@contextlib.contextmanager
def remembered():
    """Look each referenced row's name up once inside the block (a whole export: one query per row, not per use)."""
    global _names
    _names = {}
    try:
        yield
    finally:
        _names = None


def _name_out(model, row_id):
    if row_id is None:
        return None
    if _names is not None and (model, row_id) in _names:
        return _names[model, row_id]
    row = model.get_or_none(model.id == row_id)
    name = row.name if row is not None else None
    if _names is not None:
        _names[model, row_id] = name
    return name


def _id_in(model, name, path, errors, message):
    if name in (None, ""):
        return None
    row = model.get_or_none(model.name == name)
    if row is None:
        errors[path] = (message, {"name": name})
        return None
    return row.id


def prompt_out(prompt_id):
    """Return the prompt's name (None: no prompt)."""
    return _name_out(Prompt, prompt_id)


def prompt_in(name, path, errors):
    """Return the id of the prompt named ``name`` (prompts are sound files: they must already be on this box)."""
    return _id_in(Prompt, name, path, errors,
                  N_("There is no prompt named %(name)s on this system (upload its sound first)."))


def trunk_out(trunk_id):
    """Return the trunk's name."""
    return _name_out(Trunk, trunk_id)


def trunk_in(name, path, errors):
    """Return the id of the trunk named ``name``."""
    return _id_in(Trunk, name, path, errors, N_("There is no trunk named %(name)s."))


def profile_out(profile_id):
    """Return the call profile's name ("" for none)."""
    return _name_out(CallProfile, profile_id) or ""


def profile_in(name, path, errors):
    """Return the id of the call profile named ``name`` (None for "": leave it)."""
    return _id_in(CallProfile, name, path, errors, N_("There is no call profile named %(name)s."))
