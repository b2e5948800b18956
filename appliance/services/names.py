"""The names people give things (menus, bots, prompts, music classes, groups): one check for all of them.

A name is shown in pages and written into config files and the dialplan's comments and
arguments, so the same characters are refused everywhere; most kinds also want it unique.
"""
from appliance.i18n import N_
from appliance.services.extensions import NAME_FORBIDDEN


def clean_unique_name(value, errors, *, model=None, own_id=None, taken="", field="name", max_length=64):
    """Return ``value`` stripped; record in ``errors[field]`` what is wrong with it.

    Wrong: empty, longer than ``max_length``, holding a quote, ``< > \\ ;`` or a control
    character, or (with ``model``) the name of another row of ``model`` than ``own_id``,
    which ``taken`` (a message) says.
    """
    name = (value or "").strip()
    if not name:
        errors[field] = (N_("Enter a name."), {})
    elif len(name) > max_length or NAME_FORBIDDEN.search(name):
        errors[field] = (N_("Use at most %(max)d characters, without quotes, < > \\ or ;."), {"max": max_length})
    elif model is not None:
        clash = model.select().where(model.name == name)
        if own_id is not None:
            clash = clash.where(model.id != own_id)
        if clash.exists():
            errors[field] = (taken, {})
    return name
