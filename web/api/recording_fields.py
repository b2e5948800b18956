"""The recording fields of every policy holder's schema (extension, call profile, queue, routes; decision 036)."""
from marshmallow import fields

from appliance.asterisk.confgen.recording import CHOOSABLE
from appliance.services.recording_policy import KEEP_DAYS_RANGE
from web.api.common import JsonInteger, one_of, value_range


def policy_field(choices=CHOOSABLE):
    """Return the schema field of a holder's recording policy (the strictest applicable to a call wins)."""
    return fields.String(load_default="never", validate=one_of(choices), metadata={
        "description": "never, always or on_demand; where a call has several holders (extension, its profile, "
                       "queue, route) the strictest wins"})


def keep_days_field(**kwargs):
    """Return the schema field of the days a holder's recordings are kept."""
    return JsonInteger(validate=value_range(min=KEEP_DAYS_RANGE[0], max=KEEP_DAYS_RANGE[1]), metadata={
        "description": "Days its recordings are kept; 0: the system's setting. A recording keeps the longest "
                       "of the holders of its call"}, **kwargs)


def prompt_field(**kwargs):
    """Return the schema field of the prompt announced when the holder's policy starts a recording (null: none).

    Named ``recording_prompt_id``: a schema dumping ``__data__`` adds that key itself (its column is
    ``recording_prompt``)."""
    return JsonInteger(allow_none=True, validate=value_range(min=1, max=2**31 - 1), metadata={
        "description": "Prompt (id) the parties hear when this holder's policy starts a recording; null: none"},
        **kwargs)
