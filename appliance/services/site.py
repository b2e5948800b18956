"""The installation's own settings chosen in the web app, and the first login's setup.

The appliance's first boot creates ``admin`` with a random password and keeps it in
``VAR_DIR/first-admin-password`` for the console screen (decision 028). While that password
still logs in, the first login leads to a setup page (decision 039): a new admin password,
the time zone and the company's country. The country sets the region phone numbers are read
in, the holiday calendar new schedules start with and the default language. COUNTRY, TIMEZONE
and DEFAULT_LOCALE stay settings (appliance/settings.py); what the web app chose is the layer
``VAR_DIR/site.json`` above the config files. Once the password changed, the file with the
first password goes, so neither the console nor the login shows it again.
"""
import hmac
import json
import os
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

import phonenumbers

from appliance import business_hours, passwords, settings
from appliance.db import database
from appliance.errors import ValidationError
from appliance.i18n import N_
from appliance.models.users import User, utcnow
from appliance.services import audit, sessions, users

#: Written at first boot by centralina-firstboot (playbooks/roles/centralina_appliance).
FIRST_PASSWORD_FILE = "first-admin-password"
#: Countries whose people read Portuguese first; the rest get English (the app's two languages).
PORTUGUESE = frozenset({"BR", "PT", "AO", "MZ", "CV", "GW", "ST", "TL"})


@dataclass
class SetupInput:
    """What the first login's setup page asks."""

    new_password: str = ""
    confirm_password: str = ""
    timezone: str = ""
    country: str = ""


def countries():
    """Return the country codes one may choose: known to the holiday calendars and to libphonenumber."""
    return sorted(set(business_hours.countries()) & phonenumbers.SUPPORTED_REGIONS)


def time_zones():
    """Return the IANA time zone names one may choose (areas like America/Sao_Paulo, and UTC)."""
    return sorted(zone for zone in zoneinfo.available_timezones() if "/" in zone and not zone.startswith(
        ("Etc/", "SystemV/", "posix/", "right/"))) + ["UTC"]


def language_of(country):
    """Return the default language for a company in ``country``."""
    return "pt_BR" if country in PORTUGUESE else "en"


def _first_password(var_dir):
    try:
        return (Path(var_dir) / FIRST_PASSWORD_FILE).read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return ""


def first_password_pending(var_dir):
    """Tell whether the generated first password is still kept (not yet changed at a first login)."""
    return bool(_first_password(var_dir))


def is_first_password(var_dir, password):
    """Tell whether ``password`` (just accepted at a login) is the generated first password."""
    first = _first_password(var_dir)
    return bool(first) and hmac.compare_digest(first.encode(), (password or "").encode())


def site_settings(conf):
    """Return the site settings in force: {"COUNTRY", "TIMEZONE", "DEFAULT_LOCALE"}."""
    return {key: conf[key] for key in settings.SITE_KEYS}


def _validate(data, username):
    errors = {}
    try:
        users.validate_password(data.new_password, username, field="new_password")
    except ValidationError as error:
        errors.update(error.fields)
    if "new_password" not in errors and data.new_password != data.confirm_password:
        errors["confirm_password"] = (N_("The passwords do not match."), {})
    if data.timezone not in time_zones():
        errors["timezone"] = (N_("Choose a time zone from the list."), {})
    if data.country not in countries():
        errors["country"] = (N_("Choose a country from the list."), {})
    if errors:
        raise ValidationError(errors)


def write_site(var_dir, chosen):
    """Replace VAR_DIR/site.json with ``chosen`` (SITE_KEYS only), atomically."""
    path = Path(var_dir) / settings.SITE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({key: chosen[key] for key in settings.SITE_KEYS}, sort_keys=True, indent=1) + "\n")
    os.replace(tmp, path)


def complete_first_setup(user_id, data, actor, conf):
    """Set the admin's new password and the site settings; forget the first password. Return the site settings.

    Every field is checked first: nothing changes unless all are right. The new password must differ
    from the generated one. Every session of the account ends (the next page asks for the new password),
    the audit entry shows the chosen settings, never a password.
    """
    var_dir = conf["VAR_DIR"]
    user = users.get_user(user_id)
    _validate(data, user.username)
    if is_first_password(var_dir, data.new_password):
        raise ValidationError.one("new_password", N_("Choose a password of your own, not the generated one."))
    chosen = {"COUNTRY": data.country, "TIMEZONE": data.timezone, "DEFAULT_LOCALE": language_of(data.country)}
    before = site_settings(conf)
    password_hash = passwords.hash_password(data.new_password)  # outside the transaction, as in users.create()
    with database.atomic():
        User.update(password_hash=password_hash, password_changed_at=utcnow()).where(User.id == user.id).execute()
        sessions.end_all(user.id)
        audit.record(actor, "site.first_setup", "site", "", user.username, before=before, after=chosen)
        write_site(var_dir, chosen)  # last: a failure before it rolls the password back, this file is the commit
    (Path(var_dir) / FIRST_PASSWORD_FILE).unlink(missing_ok=True)
    return chosen
