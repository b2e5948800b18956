"""The telephony configuration as YAML (admins): download it; upload one, see what it would change, apply it."""
from flask import Response, render_template, request

from appliance.errors import ValidationError
from web.access import current_actor, role_required
from web.config_document import export_document, import_document
from web.telephony import bp

#: The largest document pasted or uploaded on the page (the import refuses larger ones anyway).
FORM_LIMIT = 8 * 1024 * 1024


def _submitted():
    """Return the document of the form: the uploaded file, else the text pasted (or carried from the preview)."""
    upload = request.files.get("file")
    if upload and upload.filename:
        return upload.read(FORM_LIMIT + 1)
    return request.form.get("document", "").encode("utf-8")


def _page(status=200, **context):
    return render_template("telephony/config/page.html", **context), status


@bp.route("/config")
@role_required("admin")
def config_page():
    """The page: download, and a form to upload or paste a document."""
    return _page()


@bp.route("/config/export.yaml")
@role_required("admin")
def config_export():
    """Download the configuration as YAML (no secrets; the same configuration gives the same text)."""
    return Response(export_document(), mimetype="application/yaml",
                    headers={"Content-Disposition": "attachment; filename=centralina-config.yaml"})


@bp.route("/config", methods=["POST"])
@role_required("admin")
def config_import():
    """Preview a document (a dry run: what it would create, change, delete) or, confirmed, apply it."""
    data = _submitted()
    prune = request.form.get("prune") == "on"
    apply = request.form.get("apply") == "1"
    text = data.decode("utf-8", errors="replace")
    try:
        outcome = import_document(data, current_actor(), prune=prune, dry_run=not apply)
    except ValidationError as error:
        return _page(422, errors=error.fields, document=text, prune=prune)
    return _page(outcome=outcome, document=text if not apply else "", prune=prune)
