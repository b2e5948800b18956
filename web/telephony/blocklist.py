"""Admin page of the blacklists: callers refused on the way in, numbers refused on the way out."""
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length

from appliance import phone_numbers
from appliance.errors import ImportRejected, ValidationError
from appliance.services import blocklist
from web.access import current_actor, role_required
from web.forms import Form, apply_errors, choices
from web.telephony import bp

DIRECTIONS = {"in": _l("Calls in: callers refused"), "out": _l("Calls out: numbers nobody may dial")}
MATCHES = {"exact": _l("This number"), "prefix": _l("Numbers starting with"),
           "anonymous": _l("Withheld or anonymous callers")}


class BlockForm(Form):
    """One blacklist entry."""

    direction = SelectField(_l("Direction"), choices=choices(DIRECTIONS.items()))
    match = SelectField(_l("Match"), choices=choices(MATCHES.items()))
    number = StringField(_l("Number"), validators=[Length(max=40)])
    extension = StringField(_l("Only for extension (empty: everyone)"), validators=[Length(max=8)])
    note = StringField(_l("Note"), validators=[Length(max=100)])


def _page(form, import_error=None, status=200):
    entries = list(blocklist.list_entries(system=False))
    return render_template("telephony/blocklist/list.html", form=form, entries=entries,
                           attempts=blocklist.attempts(entries), directions=DIRECTIONS, matches=MATCHES,
                           display=phone_numbers.display, import_error=import_error), status


@bp.route("/blocklist", methods=["GET", "POST"])
@role_required("admin")
def blocklist_page():
    """List every entry with its blocked attempts; add one."""
    form = BlockForm()
    if form.validate_on_submit():
        data = blocklist.BlockInput(form.direction.data, form.match.data, form.number.data, form.extension.data,
                                    form.note.data)
        try:
            blocklist.add(data, current_actor())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            flash(gettext("Added to the blacklist."), "success")
            return redirect(url_for("telephony.blocklist_page"))
    return _page(form, status=form.status)


@bp.route("/blocklist/<int:entry_id>/delete", methods=["POST"])
@role_required("admin")
def blocklist_delete(entry_id):
    """Remove an entry."""
    blocklist.remove(entry_id, current_actor())
    flash(gettext("Removed from the blacklist."), "success")
    return redirect(url_for("telephony.blocklist_page"))


@bp.route("/blocklist/block-caller", methods=["POST"])
@role_required("admin")
def blocklist_block_caller():
    """Block a caller for everyone (from a call list): the number as the record holds it."""
    try:
        blocklist.block_caller(request.form.get("number", ""), current_actor())
    except ValidationError as error:
        flash(gettext("Not added: %(reason)s", reason=gettext(error.message) % error.params), "error")
    else:
        flash(gettext("Added to the blacklist."), "success")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(request.host_url)
                    else url_for("telephony.blocklist_page"))


@bp.route("/blocklist/import", methods=["POST"])
@role_required("admin")
def blocklist_import():
    """Add every entry of an uploaded CSV file; every row or none, with each wrong row explained."""
    upload = request.files.get("file")
    try:
        count = blocklist.import_csv(upload.read() if upload else b"", current_actor())
    except ImportRejected as error:
        return _page(BlockForm(formdata=None), import_error=error, status=422)
    flash(gettext("%(count)d entries added to the blacklist.", count=count), "success")
    return redirect(url_for("telephony.blocklist_page"))


@bp.route("/blocklist/export.csv")
@role_required("admin")
def blocklist_export():
    """Download every entry as CSV (the import's format)."""
    return Response(blocklist.export_csv(all_entries=True), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=blacklist.csv"})
