"""The telephony configuration as one YAML document (admins): download it, apply one (decision 050)."""
from flask import Response, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from web.api.auth import actor, requires
from web.api.common import json_response
from web.config_document import export_document, import_document
from web.config_document.sections import SECTIONS

blp = Blueprint("config", __name__, url_prefix="/api/v1/config",
                description="The telephony configuration as one YAML document (config as code): extensions, "
                            "groups, queues, IVR menus, business hours, trunks, routes, profiles, blacklists.")
MEDIA_TYPE = "application/yaml"
_SECTIONS = {section.name: {"type": "array", "items": {"type": "object"}} for section in SECTIONS}
#: The document as OpenAPI sees it; each section's items are the API resource's fields, references by name.
DOCUMENT = {"type": "object", "required": ["version"],
            "properties": {"version": {"type": "integer", "enum": [1]}, **_SECTIONS}}


class ImportArgs(Schema):
    """How to apply the document."""

    dry_run = fields.Boolean(load_default=False,
                             metadata={"description": "Check everything and answer what would change; write nothing"})
    prune = fields.Boolean(load_default=False,
                           metadata={"description": "Delete rows of the document's sections that it leaves out"})


class ConfigNewPasswordSchema(Schema):
    """A new extension's first device, with its SIP password shown this once."""

    extension = fields.String(required=True)
    sip_username = fields.String(required=True)
    sip_password = fields.String(required=True)


class ConfigCountsSchema(Schema):
    """How many items were (or would be) created, changed, deleted, left as they were."""

    created = fields.Integer(required=True)
    changed = fields.Integer(required=True)
    deleted = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)


_KEYS = {"description": "Per section, the natural keys (numbers, names) of the items"}


class ImportResultSchema(Schema):
    """What the import did, or in a dry run would do."""

    dry_run = fields.Boolean(required=True)
    counts = fields.Nested(ConfigCountsSchema, required=True)
    created = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True, metadata=_KEYS)
    changed = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True, metadata=_KEYS)
    deleted = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True, metadata=_KEYS)
    new_passwords = fields.List(fields.Nested(ConfigNewPasswordSchema), required=True, metadata={
        "description": "New extensions' devices got new passwords: shown this once (none in a dry run)"})
    trunks_without_password = fields.List(fields.String(), required=True, metadata={
        "description": "New registration trunks given a random password: type in the carrier's"})


def result(outcome):
    """Return what ImportResultSchema dumps of an import's Outcome."""
    return {"dry_run": outcome.dry_run, "counts": outcome.counts(), "created": outcome.created,
            "changed": outcome.changed, "deleted": outcome.deleted,
            "new_passwords": [{"extension": number, "sip_username": username, "sip_password": password}
                              for number, username, password in outcome.new_passwords],
            "trunks_without_password": outcome.trunks_without_password}


@blp.route("", methods=["GET"])
@requires(blp, "config:read")
@blp.response(200, DOCUMENT, content_type=MEDIA_TYPE,
              description="The document: version, then each section's items by natural key; no secrets")
def config_export():
    """Download the telephony configuration as one YAML document (the same configuration, the same text)."""
    return Response(export_document(), mimetype=MEDIA_TYPE,
                    headers={"Content-Disposition": "attachment; filename=centralina-config.yaml",
                             "Cache-Control": "no-store"})


@blp.route("", methods=["POST"])
@requires(blp, "config:write")
@blp.arguments(ImportArgs, location="query")
@blp.doc(requestBody={"required": True, "description": "A document as GET answers it (YAML, at most 8 MB, "
                                                       "no anchors or aliases)",
                      "content": {MEDIA_TYPE: {"schema": DOCUMENT}}})
@blp.response(200, ImportResultSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def config_import(args):
    """Apply a YAML document: create and change rows by natural key, all or nothing.

    Every error is reported with its place in the document (``errors``: ``extensions[3].number``)
    and changes nothing. ``prune`` also deletes rows of the document's sections that it leaves out.
    """
    outcome = import_document(request.get_data(cache=False), actor(), prune=args["prune"], dry_run=args["dry_run"])
    return json_response(ImportResultSchema().dump(result(outcome)))
