"""Which extension a panel page shows: the person's own, or any one for an admin (``?ext=201``)."""
from flask import abort, current_app, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from appliance.models.extensions import Extension
from web.panel import bp

#: The panel's tabs in order: (endpoint, label). A tab whose view is not
#: registered is not shown.
TABS = [
    ("panel.devices", _l("Devices")),
    ("panel.settings", _l("Forwarding and presence")),
    ("panel.phonebook", _l("Phonebook")),
    ("panel.call_history", _l("Call history")),
    ("panel.voicemail", _l("Voicemail")),
    ("panel.messages", _l("Messages")),
]


def panel_extension():
    """Return the extension this request is about; 404 when there is none, 403 when it is not the user's."""
    number = request.args.get("ext", "")
    if number:
        extension = Extension.get_or_none(Extension.number == number)
        if extension is None:
            abort(404)
        if extension.user_id != current_user.id and not current_user.has_role("admin"):
            abort(403)
        return extension
    extension = Extension.get_or_none(Extension.user == current_user.id)
    if extension is None:
        abort(404, description="no-extension")
    return extension


def panel_url(endpoint, extension, **values):
    """Return the URL of a panel page about ``extension`` (keeps ``?ext=`` for someone else's)."""
    if extension.user_id != current_user.id:
        values["ext"] = extension.number
    return url_for(endpoint, **values)


@bp.app_context_processor
def _panel_helpers():
    return {"panel_url": panel_url}


@bp.app_template_global()
def panel_tabs():
    """Return the tabs whose views exist."""
    return [(endpoint, label) for endpoint, label in TABS if endpoint in current_app.view_functions]


def render_panel(template, extension, status=200, **context):
    """Render a panel page about ``extension`` with the tab bar."""
    return render_template(template, extension=extension, **context), status
