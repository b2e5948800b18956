"""The navigation menu: only pages that exist, only for roles that may open them."""
from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

#: (endpoint, label, roles allowed); the first entry a role sees is its home page.
MENU = [
    ("panel.account", _l("My account"), ("admin", "supervisor", "user")),
    ("telephony.extensions_list", _l("Extensions"), ("admin",)),
    ("telephony.phones_list", _l("Phones"), ("admin",)),
    ("admin.system", _l("System"), ("admin",)),
    ("admin.mail_settings", _l("E-mail"), ("admin",)),
    ("admin.users_list", _l("Users"), ("admin",)),
    ("admin.audit_log", _l("Audit log"), ("admin",)),
]


def navigation():
    """Return ``[(endpoint, label, active)]`` for the current user."""
    if not current_user.is_authenticated:
        return []
    current = request.endpoint or ""
    return [
        (endpoint, label, current.split(".")[0:2] == endpoint.split(".")[0:2] or current.startswith(endpoint))
        for endpoint, label, roles in MENU
        if current_user.role in roles
    ]


def home_endpoint(role):
    """Return the endpoint of the first page ``role`` sees."""
    return next(endpoint for endpoint, _, roles in MENU if role in roles)
