"""The phonebook tab: personal and shared contacts, the company directory, files, click-to-call."""
from flask import Response, abort, current_app, flash, redirect, render_template, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectField, StringField, TextAreaField

from appliance import phone_numbers
from appliance.errors import NotFound, PermissionDenied, ValidationError
from appliance.services import click_to_call, phonebook
from web.access import current_actor
from web.forms import Form, apply_errors, choices
from web.panel import bp
from web.panel.context import panel_extension, panel_url, render_panel
from web.panel.settings import PRESENCE_LABELS
from web.plugins import is_htmx, translate_error

NUMBER_LABELS = {"mobile": _l("Mobile"), "work": _l("Work"), "home": _l("Home"), "other": _l("Other")}
EXPORTS = {"csv": ("text/csv", "csv"), "vcf": ("text/vcard", "vcf"), "vcf4": ("text/vcard", "vcf")}


class ContactForm(Form):
    """One contact; the phonebook service validates every field and explains what is wrong."""

    name = StringField(_l("Name"))
    company = StringField(_l("Company"))
    email = StringField(_l("E-mail"))
    phone1_type = SelectField(_l("Type"), choices=choices(NUMBER_LABELS.items()))
    phone1 = StringField(_l("Phone"))
    phone2_type = SelectField(_l("Type"), choices=choices(NUMBER_LABELS.items()), default="work")
    phone2 = StringField(_l("Phone"))
    phone3_type = SelectField(_l("Type"), choices=choices(NUMBER_LABELS.items()), default="home")
    phone3 = StringField(_l("Phone"))
    notes = TextAreaField(_l("Notes"))

    def phones(self):
        """Return the (type, number) field pairs in order."""
        return [(getattr(self, f"phone{i}_type"), getattr(self, f"phone{i}")) for i in range(1, 4)]

    def to_input(self):
        """Return what was typed as the service's ContactInput."""
        return phonebook.ContactInput(self.name.data, self.company.data, self.email.data, self.notes.data,
                                      [(kind.data, number.data) for kind, number in self.phones()])

    def fill(self, data):
        """Show a stored contact."""
        self.name.data, self.company.data, self.email.data, self.notes.data = (
            data.name, data.company, data.email, data.notes)
        for (kind, number), (label, value) in zip(self.phones(), data.numbers, strict=False):
            kind.data, number.data = label, phone_numbers.display(value)


def _limits():
    return phonebook.Limits.from_settings(current_app.config)


def _is_admin():
    return current_user.has_role("admin")


def _shared_requested():
    shared = request.values.get("scope") == "shared"
    if shared and not _is_admin():
        abort(403)
    return shared


@bp.app_template_global()
def phone_display(number):
    """Return a stored phone number formatted for people."""
    return phone_numbers.display(number)


def _page(extension, status=200, **context):
    query = request.args.get("q", "").strip()[:100]
    result = phonebook.search(extension, query)
    template = "panel/_phonebook_results.html" if is_htmx() and request.method == "GET" else "panel/phonebook.html"
    return render_panel(template, extension, status=status, result=result, query=query, is_admin=_is_admin(),
                        number_labels=NUMBER_LABELS, presence_labels=PRESENCE_LABELS, **context)


@bp.route("/phonebook", endpoint="phonebook")  # the name panel.context.TABS knows
@login_required
def phonebook_page():
    """Show the phonebook, searchable by name, company or number; htmx searches get the results only."""
    return _page(panel_extension())


def _edit_page(extension, form, contact=None, shared=False, status=200):
    return render_panel("panel/phonebook_contact.html", extension, status=status, form=form, contact=contact,
                        shared=shared)


@bp.route("/phonebook/new", methods=["GET", "POST"])
@login_required
def phonebook_new():
    """Add a personal contact, or (admins, ``scope=shared``) a shared one."""
    extension, shared = panel_extension(), _shared_requested()
    form = ContactForm()
    if form.validate_on_submit():
        try:
            contact = phonebook.create(extension, form.to_input(), current_actor(), shared=shared, limits=_limits())
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied:
            abort(403)
        else:
            flash(gettext("Contact %(name)s added.", name=contact.name), "success")
            return redirect(panel_url("panel.phonebook", extension))
    status = form.status
    return _edit_page(extension, form, shared=shared, status=status)


def _contact(extension, contact_id):
    try:
        return phonebook.get_contact(contact_id, extension)
    except NotFound:
        abort(404)


@bp.route("/phonebook/<int:contact_id>", methods=["GET", "POST"])
@login_required
def phonebook_edit(contact_id):
    """Edit a contact of this extension, or (admins) a shared one."""
    extension = panel_extension()
    contact = _contact(extension, contact_id)
    if contact.owner_id is None and not _is_admin():
        abort(403)
    form = ContactForm()
    if form.validate_on_submit():
        try:
            phonebook.update(contact_id, form.to_input(), current_actor(), extension)
        except ValidationError as error:
            apply_errors(form, error)
        except PermissionDenied:
            abort(403)
        else:
            flash(gettext("Changes saved."), "success")
            return redirect(panel_url("panel.phonebook", extension))
    elif request.method == "GET":
        form.fill(phonebook.as_input(contact))
    status = form.status
    return _edit_page(extension, form, contact, shared=contact.owner_id is None, status=status)


@bp.route("/phonebook/<int:contact_id>/delete", methods=["POST"])
@login_required
def phonebook_delete(contact_id):
    """Delete a contact of this extension, or (admins) a shared one."""
    extension = panel_extension()
    name = _contact(extension, contact_id).name
    try:
        phonebook.delete(contact_id, current_actor(), extension)
    except PermissionDenied:
        abort(403)
    flash(gettext("Contact %(name)s deleted.", name=name), "success")
    target = panel_url("panel.phonebook", extension)
    if is_htmx():  # a whole new page, not a fragment: let htmx navigate
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


@bp.route("/phonebook/import", methods=["POST"])
@login_required
def phonebook_import():
    """Add the contacts of an uploaded CSV or vCard file; all or none, each wrong row explained."""
    extension, shared = panel_extension(), _shared_requested()
    upload, limits = request.files.get("file"), _limits()
    # One byte past the limit is enough to refuse the file: the rest is never read.
    data = upload.read(limits.max_file_bytes + 1) if upload else b""
    try:
        count = phonebook.import_file(extension, data, current_actor(), shared=shared, limits=limits)
    except phonebook.ImportRejected as error:
        return _page(extension, status=422, import_error=error)
    except PermissionDenied:
        abort(403)
    flash(gettext("%(count)d contact(s) imported.", count=count), "success")
    return redirect(panel_url("panel.phonebook", extension))


@bp.route("/phonebook/export.<kind>")
@login_required
def phonebook_export(kind):
    """Download the personal (or shared) contacts as CSV, vCard 3.0 (``vcf``) or vCard 4.0 (``vcf4``)."""
    if kind not in EXPORTS:
        abort(404)
    extension, shared = panel_extension(), request.args.get("scope") == "shared"
    mimetype, suffix = EXPORTS[kind]
    name = "contatos-compartilhados" if shared else f"contatos-{extension.number}"
    return Response(phonebook.export(extension, kind, shared=shared), mimetype=f"{mimetype}; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}.{suffix}"})


@bp.route("/phonebook/call", methods=["POST"])
@login_required
def phonebook_call():
    """Ring this extension's phones, then call the number; htmx gets a status line, a plain form a flash."""
    extension = panel_extension()
    number = request.form.get("number", "")
    try:
        click_to_call.call(extension, number, current_actor())
        error = None
    except (ValidationError, click_to_call.CallFailed) as failure:
        error = translate_error(failure)
    if is_htmx():
        # 200 either way: htmx swaps only successful responses, and the error is the content here.
        return render_template("panel/_call_status.html", error=error, number=number)
    if error:
        flash(error, "error")
    else:
        flash(gettext("Calling %(number)s… your phone will ring first.", number=number), "info")
    return redirect(panel_url("panel.phonebook", extension))
