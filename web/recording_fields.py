"""The recording fields every policy holder's form shows (extension, call profile, queue, routes; decision 036)."""
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from appliance.services import prompts

#: never / always / on demand, as the admin reads them (confgen/recording.py POLICIES).
POLICY_CHOICES = [("never", _l("Never")), ("always", _l("Always (calls made and received)")),
                  ("on_demand", _l("On demand (the in-call recording code)"))]


def policy_field():
    """Return the select of a holder's recording policy (the strictest of the call's holders wins)."""
    return SelectField(_l("Call recording (the strictest of extension, profile, queue and route wins)"),
                       choices=POLICY_CHOICES, default="never")


def keep_days_field():
    """Return the field of the days a holder's recordings are kept (0: the global setting)."""
    return IntegerField(_l("Keep its recordings for (days; 0: the system's setting)"), default=0,
                        validators=[Optional(), NumberRange(min=0, max=3650)])


def prompt_field():
    """Return the select of the prompt announced when the holder's policy starts a recording (0: none)."""
    return SelectField(_l("Announcement before recording (a prompt of the library)"), coerce=int, default=0)


def fill_prompts(form):
    """Give ``form.recording_prompt_id`` the library's prompts; call before validating or rendering."""
    form.recording_prompt_id.choices = [(0, _l("None"))] + [(p.id, p.name) for p in prompts.list_prompts()]
    if form.recording_prompt_id.data is None:
        form.recording_prompt_id.data = 0
