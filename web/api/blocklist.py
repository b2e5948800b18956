"""Blacklists (admins): callers refused on the way in, numbers refused on the way out; the Blacklist page's services.

Each entry carries its blocked attempts (counted from call records); the ETag covers the entry
alone, so a call refused meanwhile never makes an If-Match stale. The CSV file is the page's:
the same columns both ways, cells defused for spreadsheets (appliance.csvsafe).
"""
import peewee
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from appliance.asterisk.confgen.blocklist import DIRECTIONS, MATCHES
from appliance.models.blocklist import BlockedNumber
from appliance.models.extensions import Extension
from appliance.services import blocklist
from web.api.auth import actor, requires
from web.api.common import (
    ID,
    PageArgs,
    UtcDateTime,
    check_if_match,
    json_response,
    length,
    linked,
    one_of,
    page_schema,
    paginate,
    pattern,
    respond,
)
from web.api.crud import written

blp = Blueprint("blocklist", __name__, url_prefix="/api/v1/blocklist",
                description="Blacklists: callers refused on the way in, numbers nobody may dial on the way out.")
ONE = "/api/v1/blocklist/{entry_id}"
EXTENSION_NUMBER = r"^([1-9][0-9]{1,7})?$"


class BlockEntrySchema(Schema):
    """An entry: for everyone, or for one extension's calls only."""

    id = fields.Integer(dump_only=True)
    direction = fields.String(load_default="in", validate=one_of(DIRECTIONS),
                              metadata={"description": "in: callers refused; out: numbers nobody may dial"})
    match = fields.String(load_default="exact", validate=one_of(MATCHES),
                          metadata={"description": "exact, prefix (numbers starting with it), or anonymous "
                                                   "(withheld callers, in only)"})
    number = fields.String(load_default="", validate=length(max=40),
                           metadata={"description": "Stored E.164 for a whole number, digits as dialled for a "
                                                    "prefix; empty for anonymous"})
    extension = fields.String(load_default="", validate=[length(max=8), pattern(EXTENSION_NUMBER)],
                              metadata={"description": "Only this extension's calls; empty: everyone's"})
    note = fields.String(load_default="", validate=length(max=100))
    created_at = UtcDateTime(dump_only=True)


class BlockEntryWithAttemptsSchema(BlockEntrySchema):
    """An entry and the calls it refused, from the call records."""

    attempts = fields.Integer(dump_only=True)
    last_attempt_at = UtcDateTime(dump_only=True, allow_none=True)


class BlockEntryFilter(PageArgs):
    """List filters: a direction, an extension's own entries."""

    direction = fields.String(load_default="", validate=one_of(("", *DIRECTIONS)))
    extension = fields.String(load_default="", validate=[length(max=8), pattern(EXTENSION_NUMBER)],
                              metadata={"description": "Only this extension's entries; empty: every entry"})


class BlocklistImportSchema(Schema):
    """A CSV file with the export's columns: direction, match, number, extension, note."""

    file = Upload(required=True)


class BlocklistAddedSchema(Schema):
    """How many entries the file added (rows already on the list are skipped)."""

    added = fields.Integer(required=True)


def _data(entry):
    """Return what BlockEntrySchema dumps of ``entry``: its extension by number."""
    return {**entry.__data__, "extension": entry.extension.number if entry.extension_id else ""}


def _rows(entries):
    """Return what BlockEntryWithAttemptsSchema dumps of ``entries``: each with its blocked attempts."""
    found = blocklist.attempts(entries)
    return [{**_data(entry), "attempts": found[entry.id].count, "last_attempt_at": found[entry.id].last}
            for entry in entries]


def _respond(entry, status=200, headers=None):
    return respond(BlockEntryWithAttemptsSchema, _rows([entry])[0], status, headers, version=BlockEntrySchema)


@blp.route("")
class Blocklist(MethodView):
    """Every entry (system-wide and per extension), and new ones."""

    @requires(blp, "blocklist:read")
    @blp.arguments(BlockEntryFilter, location="query")
    @blp.response(200, page_schema(BlockEntryWithAttemptsSchema))
    def get(self, args):
        """List entries by id, each with its blocked attempts."""
        query = BlockedNumber.select(BlockedNumber, Extension).join(Extension, peewee.JOIN.LEFT_OUTER)
        if args["direction"]:
            query = query.where(BlockedNumber.direction == args["direction"])
        if args["extension"]:
            query = query.where(Extension.number == args["extension"])
        entries, cursor = paginate(query, BlockedNumber.id, args)
        items = BlockEntryWithAttemptsSchema(many=True).dump(_rows(entries))
        return json_response({"items": items, "next_cursor": cursor})

    @requires(blp, "blocklist:write")
    @blp.arguments(BlockEntrySchema)
    @blp.response(201, BlockEntryWithAttemptsSchema)
    @linked(blp, 201, "entry_id", "/id", ("GET", ONE), ("DELETE", ONE))
    def post(self, data):
        """Add an entry; live once saved."""
        entry = blocklist.add(blocklist.BlockInput(**data), actor())
        return _respond(entry, 201, {"Location": f"{blp.url_prefix}/{entry.id}"})


@blp.route(f"/<{ID}:entry_id>")
class BlocklistItem(MethodView):
    """One entry."""

    @requires(blp, "blocklist:read")
    @blp.response(200, BlockEntryWithAttemptsSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, entry_id):
        """Read an entry and its blocked attempts (the ETag covers the entry only)."""
        return _respond(blocklist.get_entry(entry_id))

    @requires(blp, "blocklist:write")
    @written(blp, 204)
    def delete(self, entry_id):
        """Remove an entry; live once saved."""
        check_if_match(BlockEntrySchema, _data(blocklist.get_entry(entry_id)))
        blocklist.remove(entry_id, actor())
        return json_response(None, 204)


@blp.route("/csv")
class BlocklistFile(MethodView):
    """Every entry as a CSV file, and entries added from one."""

    @requires(blp, "blocklist:read")
    @blp.response(200, {"type": "string"}, content_type="text/csv",
                  description="direction, match, number, extension, note; one entry a row")
    def get(self):
        """Download every entry as CSV (what the import reads; cells a spreadsheet would run are defused)."""
        return Response(blocklist.export_csv(all_entries=True), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=blacklist.csv"})

    @requires(blp, "blocklist:write")
    @blp.arguments(BlocklistImportSchema, location="files")
    @blp.response(200, BlocklistAddedSchema)
    def post(self, files):
        """Add every entry of a CSV file: every row or none (422 names each wrong row as ``<row>.<column>``)."""
        return json_response({"added": blocklist.import_csv(files["file"].read(), actor())})
