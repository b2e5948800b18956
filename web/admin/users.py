"""Admin pages for web accounts: list, create, edit, disable, reset password."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from appliance.errors import DomainError, ValidationError
from appliance.models.users import ROLES
from appliance.services import users
from appliance.settings import LANGUAGES
from web.access import current_actor, role_required
from web.admin import bp
from web.forms import Form, apply_errors, choices
from web.plugins import is_htmx, translate_error

ROLE_LABELS = {"admin": _l("Administrator"), "supervisor": _l("Supervisor"), "user": _l("Extension user")}


class ProfileFields(Form):
    """Fields shared by the create and edit forms."""

    display_name = StringField(_l("Full name"), validators=[Length(max=120)])
    email = StringField(_l("E-mail"), validators=[Length(max=254)])
    role = SelectField(_l("Role"), choices=choices((role, ROLE_LABELS[role]) for role in ROLES), default="user")
    # A new account starts in the site's default language (System → Site settings).
    language = SelectField(_l("Language"), choices=choices(LANGUAGES.items()),
                           default=lambda: current_app.config["DEFAULT_LOCALE"])


class CreateUserForm(ProfileFields):
    """A new account."""

    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=128)])


class EditUserForm(ProfileFields):
    """An existing account."""

    active = BooleanField(_l("Account enabled"))


@bp.route("/users")
@role_required("admin")
def users_list():
    """List accounts; an htmx search returns only the rows."""
    search = request.args.get("q", "").strip()[:64]
    rows = users.list_users(search)
    template = "admin/users/_rows.html" if is_htmx() else "admin/users/list.html"
    return render_template(template, users=rows, search=search, role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("admin")
def user_create():
    """Create an account."""
    form = CreateUserForm()
    if form.validate_on_submit():
        data = users.UserInput(
            username=form.username.data,
            password=form.password.data,
            display_name=form.display_name.data,
            email=form.email.data,
            role=form.role.data,
            language=form.language.data,
        )
        try:
            user = users.create(data, current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.user_edit", user_id=user.id))
    status = form.status
    return render_template("admin/users/new.html", form=form), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@role_required("admin")
def user_edit(user_id):
    """Show and edit an account."""
    user = users.get_user(user_id)
    form = EditUserForm(obj=user)
    if form.validate_on_submit():
        changes = users.UserChanges(
            display_name=form.display_name.data,
            email=form.email.data,
            role=form.role.data,
            language=form.language.data,
            active=form.active.data,
        )
        try:
            users.update(user_id, changes, current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        except DomainError as error:
            form.form_errors.append(translate_error(error))
        else:
            flash(gettext("Changes saved."), "success")
            return redirect(url_for("admin.user_edit", user_id=user_id))
    status = form.status
    return render_template("admin/users/edit.html", form=form, user=user, role_labels=ROLE_LABELS), status


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@role_required("admin")
def user_reset_password(user_id):
    """Give the account a new random password and show it once."""
    new_password = users.reset_password(user_id, current_actor())
    user = users.get_user(user_id)
    template = "admin/users/_new_password.html" if is_htmx() else "admin/users/new_password.html"
    return render_template(template, user=user, password=new_password)
