"""The navigation menu: only pages that exist, only for roles that may open them."""
from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

PANEL_TABS = ("panel.devices", "panel.settings", "panel.phonebook", "panel.call_history", "panel.voicemail")

#: (endpoint, label, roles allowed); the first entry a user sees is their home page.
MENU = [
    ("panel.devices", _l("My extension"), ("admin", "supervisor", "user")),
    ("panel.account", _l("My account"), ("admin", "supervisor", "user")),
    ("telephony.extensions_list", _l("Extensions"), ("admin",)),
    ("telephony.groups_list", _l("Groups"), ("admin",)),
    ("telephony.phones_list", _l("Phones"), ("admin",)),
    ("admin.system", _l("System"), ("admin",)),
    ("admin.mail_settings", _l("E-mail"), ("admin",)),
    ("admin.users_list", _l("Users"), ("admin",)),
    ("admin.audit_log", _l("Audit log"), ("admin",)),
    ("admin.bans_list", _l("Blocked"), ("admin",)),
]


def navigation():
    """Return ``[(endpoint, label, active)]`` for the current user."""
    if not current_user.is_authenticated:
        return []
    current = request.endpoint or ""
    # The panel tabs all count as "My extension".
    section = "panel.devices" if current in PANEL_TABS else current
    return [
        (endpoint, label, section.split(".")[0:2] == endpoint.split(".")[0:2] or section.startswith(endpoint))
        for endpoint, label in _entries(current_user)
    ]


def _has_extension(user):
    from appliance.models.extensions import Extension

    return Extension.select().where(Extension.user == user.id).exists()


def _entries(user):
    """Return the (endpoint, label) entries ``user`` may see, in menu order."""
    return [(endpoint, label) for endpoint, label, roles in MENU
            if user.role in roles and (endpoint != "panel.devices" or _has_extension(user))]


def home_endpoint(user):
    """Return the endpoint of the first page ``user`` sees."""
    return _entries(user)[0][0]
