"""The Site settings page: the time zone, the company's country and the default language in force, and a change.

The first login's setup (web/auth/setup.py) chooses them once; this page changes them later through
the same check (services/site.py, decision 041). Every web worker, provisioning and the daemon take
the change at their next request or job: no restart.
"""
from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from appliance.errors import ValidationError
from appliance.services import site
from appliance.settings import LANGUAGES
from web.access import current_actor, role_required
from web.admin import bp
from web.forms import Form, apply_errors, choices


class SiteForm(Form):
    """Time zone, country, default language. The choices are checked by the service, with its messages."""

    timezone = SelectField(_l("Time zone"), validate_choice=False)
    country = SelectField(_l("Country of the company"), validate_choice=False)
    language = SelectField(_l("Default language"), validate_choice=False)


def country_names():
    """Return {code: name} of the countries one may choose, named in the reader's language (CLDR)."""
    territories = get_locale().territories
    return {code: territories.get(code, code) for code in site.countries()}


def _form():
    form = SiteForm(data=vars(site.site_input(current_app.config)))  # a field left out of a POST keeps its value
    form.timezone.choices = choices((zone, zone) for zone in site.time_zones())
    names = country_names()
    form.country.choices = choices(sorted(names.items(), key=lambda pair: pair[1]))
    form.language.choices = choices(LANGUAGES.items())
    return form


@bp.route("/site", methods=["GET", "POST"])
@role_required("admin")
def site_settings():
    """Show the site settings in force and change them."""
    form = _form()
    if form.validate_on_submit():
        data = site.SiteInput(timezone=form.timezone.data or "", country=form.country.data or "",
                              language=form.language.data or "")
        try:
            site.change_site(data, current_actor(), current_app.config)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Site settings saved. Every part of the system uses them from now on."), "success")
            return redirect(url_for("admin.site_settings"))
    conf = current_app.config
    in_force = {"timezone": conf["TIMEZONE"], "country": country_names().get(conf["COUNTRY"], conf["COUNTRY"]),
                "language": LANGUAGES.get(conf["DEFAULT_LOCALE"], conf["DEFAULT_LOCALE"])}
    return render_template("admin/site/page.html", form=form, in_force=in_force, pinned=site.pinned()), form.status

