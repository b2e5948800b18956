"""Many extensions at once from the admin pages: a number range, a CSV import, a CSV export."""
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from appliance.services import extension_import
from web.access import current_actor, role_required
from web.plugins import translate
from web.telephony import bp
from web.telephony.extensions import ExtensionForm


def _done(numbers):
    flash(gettext("%(count)d extension(s) created.", count=len(numbers)), "success")
    return redirect(url_for("telephony.extensions_list"))


def _rejected(error):
    return render_template("telephony/extensions/new.html", form=ExtensionForm(formdata=None), import_error=error,
                           range_values=request.form), 422


@bp.route("/extensions/range", methods=["POST"])
@role_required("admin")
def extensions_range():
    """Create every number of a range; all or none."""
    try:
        numbers = extension_import.create_range(request.form.get("first", "").strip(),
                                                request.form.get("last", "").strip(), current_actor(),
                                                translate(extension_import.RANGE_NAME))
    except extension_import.ImportRejected as error:
        return _rejected(error)
    return _done(numbers)


@bp.route("/extensions/import", methods=["POST"])
@role_required("admin")
def extensions_import():
    """Create the extensions of an uploaded CSV file; every row or none, with each wrong row explained."""
    upload = request.files.get("file")
    try:
        numbers = extension_import.import_csv(upload.read() if upload else b"", current_actor())
    except extension_import.ImportRejected as error:
        return _rejected(error)
    return _done(numbers)


@bp.route("/extensions/export.csv")
@role_required("admin")
def extensions_export():
    """Download every extension as CSV (the import's format; no passwords)."""
    return Response(extension_import.export_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=extensions.csv"})
