"""The installation's own settings chosen in the web app, and the first login's setup.

The appliance's first boot creates ``admin`` with a random password and keeps it in
``VAR_DIR/first-admin-password`` for the console screen (decision 028). While that password
still logs in, the first login leads to a setup page (decision 039): a new admin password,
the time zone and the company's country. The country sets the region phone numbers are read
in, the holiday calendar new schedules start with and the default language. COUNTRY, TIMEZONE
and DEFAULT_LOCALE stay settings (appliance/settings.py); what the web app chose is the layer
``VAR_DIR/site.json`` above the config files. Once the password changed, the file with the
first password goes, so neither the console nor the login shows it again.

After the first login an admin changes the three on System → Site settings or by the API
(``change_site``, decision 041): every process takes the new file at its next request or job
(``refresh``), the dialplan's day of the international minutes follows the time zone.
"""
import hmac
import json
import os
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

import phonenumbers

from appliance import business_hours, passwords, phone_numbers, settings
from appliance.db import database
from appliance.errors import ValidationError
from appliance.i18n import N_
from appliance.models.users import User, utcnow
from appliance.services import audit, engine_sync, sessions, users

#: Written at first boot by centralina-firstboot (playbooks/roles/centralina_appliance).
FIRST_PASSWORD_FILE = "first-admin-password"
#: The fields of SiteInput (the page's, the API's) and the settings they set.
FIELDS = {"timezone": "TIMEZONE", "country": "COUNTRY", "language": "DEFAULT_LOCALE"}
#: Countries whose people read Portuguese first; the rest get English (the app's two languages).
PORTUGUESE = frozenset({"BR", "PT", "AO", "MZ", "CV", "GW", "ST", "TL"})


@dataclass
class SiteInput:
    """The site settings an admin may change: time zone, company's country, default language."""

    timezone: str = ""
    country: str = ""
    language: str = ""


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


def languages():
    """Return the language codes one may choose as the default (the app's catalogs)."""
    return list(settings.LANGUAGES)


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


def site_errors(timezone, country, language=None):
    """Return the field errors of site settings (``{field: (message, params)}``; empty when all are right).

    The one check of the first login's setup, the Site settings page and the API (``language`` None:
    not asked, as at the first login, where the country chooses it).
    """
    errors = {}
    if timezone not in time_zones():
        errors["timezone"] = (N_("Choose a time zone from the list."), {})
    if country not in countries():
        errors["country"] = (N_("Choose a country from the list."), {})
    if language is not None and language not in languages():
        errors["language"] = (N_("Choose a language from the list."), {})
    return errors


def _validate(data, username):
    errors = {}
    try:
        users.validate_password(data.new_password, username, field="new_password")
    except ValidationError as error:
        errors.update(error.fields)
    if "new_password" not in errors and data.new_password != data.confirm_password:
        errors["confirm_password"] = (N_("The passwords do not match."), {})
    errors.update(site_errors(data.timezone, data.country))
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
        refresh(conf)
    (Path(var_dir) / FIRST_PASSWORD_FILE).unlink(missing_ok=True)
    return chosen


def pinned():
    """Return the fields (``FIELDS``) an operator fixed in the environment: a change is saved but not in force."""
    fixed = settings.site_pinned()
    return sorted(field for field, key in FIELDS.items() if key in fixed)


def site_input(conf):
    """Return the site settings in force as a SiteInput (what the page's form and the API start from)."""
    return SiteInput(timezone=conf["TIMEZONE"], country=conf["COUNTRY"], language=conf["DEFAULT_LOCALE"])


def change_site(data, actor, conf):
    """Change the time zone, country and default language (a SiteInput); return the site settings written.

    Checked by the setup's own check (``site_errors``): on an error nothing is written. The change is
    audited (``site.change``, before and after), written to VAR_DIR/site.json last in the transaction,
    and taken by this process at once (``conf``, the phone-number region); the other processes take
    it at their next request or job (``refresh``). A new time zone recompiles the dialplan, whose
    international-minutes day is counted in it. Nothing changes when nothing differs.
    """
    errors = site_errors(data.timezone, data.country, data.language)
    if errors:
        raise ValidationError(errors)
    chosen = {"COUNTRY": data.country, "TIMEZONE": data.timezone, "DEFAULT_LOCALE": data.language}
    refresh(conf)  # what is in force now, should another process have changed it since this request began
    before = site_settings(conf)
    if chosen == before:
        return chosen
    with database.atomic():
        audit.record(actor, "site.change", "site", "", "", before=before, after=chosen)
        if chosen["TIMEZONE"] != before["TIMEZONE"]:
            engine_sync.request([], files=True)  # compiled after the commit, from conf applied below
        write_site(conf["VAR_DIR"], chosen)  # last: a failure before it writes nothing
        refresh(conf)
    return chosen


def refresh(conf):
    """Bring this process's settings (``conf``, changed in place) and the phone-number region up to site.json.

    Web workers call it before each request, provisioning too, the daemon every few seconds: one
    stat when nothing changed. Return whether the settings changed.
    """
    changed = settings.refresh_site(conf)
    if phone_numbers.region() != conf["COUNTRY"]:
        phone_numbers.set_region(conf["COUNTRY"])
    return changed
