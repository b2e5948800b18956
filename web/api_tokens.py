"""The pages that make API tokens: a person's own (account page) and the service tokens (admins).

One form and one template for both: a token is shown once, right after it is made; the lists
show names, prefixes, scopes, expiry and last use, never the token.
"""
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from appliance.errors import ValidationError
from appliance.services import api_tokens
from web.access import current_actor, role_required
from web.admin import bp as admin_bp
from web.forms import Form, apply_errors
from web.panel import bp as panel_bp
from web.plugins import translate

DAY_LABELS = {0: _l("Never"), 7: _l("7 days"), 30: _l("30 days"), 90: _l("90 days"), 365: _l("1 year")}


class TokenForm(Form):
    """A new token: its name, what it may do, how long it lives."""

    name = StringField(_l("Name (e.g. the program that will use it)"), validators=[DataRequired(), Length(max=64)])
    scopes = SelectMultipleField(_l("Permissions"), widget=ListWidget(prefix_label=False),
                                 option_widget=CheckboxInput())
    expires_in_days = SelectField(_l("Expires after"), coerce=int)

    def __init__(self, allowed, days, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scopes.choices = [(scope, f"{scope} — {translate(text)}")
                               for scope, text in api_tokens.SCOPES.items() if scope in allowed]
        self.expires_in_days.choices = [(day, DAY_LABELS[day]) for day in days]

    def to_input(self):
        """Return what was typed as the service's TokenInput."""
        return api_tokens.TokenInput(self.name.data, tuple(self.scopes.data or ()), self.expires_in_days.data)


def _page(template_args, form, new_token=None, status=200):
    return render_template("api_tokens/page.html", form=form, new_token=new_token, days=DAY_LABELS,
                           **template_args), status


def _made(form, create):
    """Create the token from ``form`` with ``create``; return (token secret or None, status)."""
    if not form.validate_on_submit():
        return None, form.status
    try:
        _, secret = create(form.to_input())
    except ValidationError as error:
        apply_errors(form, error)
        return None, 422
    flash(gettext("Token created. Copy it now: it will not be shown again."), "success")
    return secret, 200


@panel_bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def account_tokens():
    """My personal API tokens: list, create (shown once)."""
    allowed = api_tokens.allowed_scopes("personal", current_user.user)
    form = TokenForm(allowed, api_tokens.PERSONAL_DAYS, scopes=sorted(allowed), expires_in_days=90)
    secret, status = _made(form, lambda data: api_tokens.create_personal(current_user.id, data, current_actor()))
    tokens = list(api_tokens.list_personal(current_user.id))
    return _page({"tokens": tokens, "personal": True}, form, secret, status)


@panel_bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def account_token_revoke(token_id):
    """Revoke one of my tokens."""
    row = api_tokens.revoke(token_id, current_actor(), owner_id=current_user.id)
    flash(gettext("Token %(name)s revoked.", name=row.name), "success")
    return redirect(url_for("panel.account_tokens"))


@admin_bp.route("/api-tokens", methods=["GET", "POST"])
@role_required("admin")
def api_tokens_list():
    """Service tokens (for other systems: CRM, ERP): list, create (shown once), revoke."""
    allowed = api_tokens.SERVICE_SCOPES
    form = TokenForm(allowed, api_tokens.SERVICE_DAYS, expires_in_days=0)
    secret, status = _made(form, lambda data: api_tokens.create_service(data, current_actor()))
    return _page({"tokens": list(api_tokens.list_service()), "personal": False}, form, secret, status)


@admin_bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@role_required("admin")
def api_token_revoke(token_id):
    """Revoke a service token, or a person's token (from their user page, where it goes back to)."""
    row = api_tokens.revoke(token_id, current_actor())
    flash(gettext("Token %(name)s revoked.", name=row.name), "success")
    if row.owner_id is not None:
        return redirect(url_for("admin.user_edit", user_id=row.owner_id))
    return redirect(url_for("admin.api_tokens_list"))


@admin_bp.app_template_global()
def personal_tokens(user_id):
    """Return a user's live personal tokens (their user page lists them for the admin)."""
    return list(api_tokens.list_personal(user_id))
