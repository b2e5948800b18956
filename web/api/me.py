"""The token owner's own extension: call settings, call history, phonebook (the panel's tabs).

Only personal tokens have an owner; every row read or changed here is found through the
owner's extension, so no id in a URL can reach another person's rows.
"""
import datetime

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance.errors import NotFound, PermissionDenied, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import PRESENCE_STATES, Extension
from appliance.models.phonebook import NUMBER_LABELS, Contact
from appliance.services import call_history, extension_settings, phonebook, voicemail
from web.api.auth import actor, principal, requires
from web.api.common import (
    ID,
    ONE_LINE,
    PAGE_LIMIT,
    PageArgs,
    UtcDateTime,
    check_if_match,
    json_response,
    length,
    linked,
    one_of,
    page,
    page_schema,
    pattern,
    respond,
    value_range,
)
from web.api.crud import written

blp = Blueprint("me", __name__, url_prefix="/api/v1/me",
                description="The token owner's extension: settings, call history, phonebook.")


def my_extension():
    """Return the extension of the personal token's owner; 403 for service tokens, 404 without one."""
    owner = principal().user
    if owner is None:
        raise PermissionDenied(N_("A service token has no extension of its own: use a personal token."))
    extension = Extension.get_or_none(Extension.user == owner.id)
    if extension is None:
        raise NotFound(N_("You have no extension."))
    return extension


class SettingsSchema(Schema):
    """How the owner's calls are handled; live on the next call."""

    dnd = fields.Boolean(required=True)
    forward_always = fields.String(required=True, validate=length(max=32))
    forward_busy = fields.String(required=True, validate=length(max=32))
    forward_no_answer = fields.String(required=True, validate=length(max=32))
    forward_unavailable = fields.String(required=True, validate=length(max=32))
    ring_seconds = fields.Integer(required=True, validate=value_range(min=5, max=120))
    presence = fields.String(required=True, validate=one_of(PRESENCE_STATES))
    presence_text = fields.String(required=True, validate=length(max=64))


class SettingsChangeSchema(SettingsSchema):
    """Settings to change; those left out keep their value."""

    class Meta:
        partial = True


def change_settings(extension, data):
    """Apply the settings ``data`` names to ``extension`` (If-Match checked); answer the new ones."""
    wanted = extension_settings.current(extension)
    check_if_match(SettingsSchema, wanted)
    for name, value in data.items():
        setattr(wanted, name, value)
    extension_settings.update(extension.id, wanted, actor())
    return respond(SettingsSchema, extension_settings.current(Extension.get_by_id(extension.id)))


@blp.route("/settings")
class MySettings(MethodView):
    """My call settings."""

    @requires(blp, "settings:read")
    @blp.response(200, SettingsSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self):
        """Read my forwarding, do-not-disturb and presence (with the ETag)."""
        return respond(SettingsSchema, extension_settings.current(my_extension()))

    @requires(blp, "settings:write")
    @blp.arguments(SettingsChangeSchema(partial=True))
    @written(blp, 200, SettingsSchema)
    def patch(self, data):
        """Change my call settings; fields left out keep their value."""
        return change_settings(my_extension(), data)


class CallHistorySchema(Schema):
    """One call as the owner's extension saw it."""

    id = fields.Integer()
    calldate = UtcDateTime(metadata={"description": "UTC"})
    direction = fields.String(metadata={"enum": list(call_history.DIRECTIONS)})
    status = fields.String(metadata={"enum": list(call_history.STATUSES)})
    other_number = fields.String()
    other_name = fields.String()
    talk_seconds = fields.Integer()
    total_seconds = fields.Integer()


class CallFilter(Schema):
    """Call history filters: local dates (inclusive), direction, status, part of the other number."""

    limit = fields.Integer(load_default=50, validate=value_range(min=PAGE_LIMIT[0], max=PAGE_LIMIT[1]))
    cursor = fields.String(load_default=None, validate=pattern(r"^[0-9]{20}\.[0-9]{1,18}$"),
                           metadata={"description": "next_cursor of the previous page"})
    since = fields.Date(load_default=None)
    until = fields.Date(load_default=None)
    direction = fields.String(load_default="", validate=one_of(("", *call_history.DIRECTIONS)))
    status = fields.String(load_default="", validate=one_of(("", "missed", *call_history.STATUSES)))
    number = fields.String(load_default="", validate=length(max=32))


@blp.route("/call-history")
@requires(blp, "cdr:read")
@blp.arguments(CallFilter, location="query")
@blp.response(200, page_schema(CallHistorySchema))
@blp.alt_response(404, response="NOT_FOUND")
def my_call_history(args):
    """List the calls my extension placed, received and missed, newest first."""
    extension = my_extension()
    after = None
    if args["cursor"]:
        after = call_history.parse_cursor(args["cursor"])
        if after is None or after[0] > datetime.datetime(9999, 1, 1):
            raise ValidationError.one("cursor", N_("This cursor is not valid: start again without it."))
    wanted = call_history.HistoryFilter(since=args["since"], until=args["until"], direction=args["direction"],
                                        status=args["status"], number=args["number"])
    calls, more = call_history.list_calls(extension.number, wanted, current_app.config["TIMEZONE"], after=after,
                                          limit=args["limit"])
    cursor = call_history.cursor_of(calls[-1]) if more and calls else None
    return json_response({"items": CallHistorySchema(many=True).dump(calls), "next_cursor": cursor})


class NumberSchema(Schema):
    """One phone number of a contact."""

    label = fields.String(required=True, validate=one_of(tuple(NUMBER_LABELS)))
    number = fields.String(required=True, validate=length(min=1, max=40))


class ContactSchema(Schema):
    """A contact: personal (``shared`` false) or the company's shared one."""

    id = fields.Integer(dump_only=True)
    shared = fields.Method("_shared", dump_only=True)
    name = fields.String(required=True, validate=[length(min=1, max=100), pattern(ONE_LINE)])
    company = fields.String(load_default="", validate=[length(max=100), pattern(ONE_LINE)])
    email = fields.String(load_default="", validate=length(max=254))
    notes = fields.String(load_default="", validate=length(max=1000))
    numbers = fields.List(fields.Nested(NumberSchema), load_default=list, validate=length(max=3))
    updated_at = UtcDateTime(dump_only=True)

    def _shared(self, contact):
        return contact.owner_id is None



class ContactFilter(PageArgs):
    """Which phonebook: mine (personal) or the company's (shared)."""

    phonebook = fields.String(load_default="personal", validate=one_of(("personal", "shared")))


class DirectoryEntrySchema(Schema):
    """A colleague in the company directory, with the presence they chose."""

    number = fields.String()
    name = fields.String()
    presence = fields.String()
    presence_text = fields.String()


class DirectoryFilter(Schema):
    """Directory search: part of a name or a number."""

    q = fields.String(load_default="", validate=length(max=100))


@blp.route("/directory")
@requires(blp, "phonebook:read")
@blp.arguments(DirectoryFilter, location="query")
@blp.response(200, page_schema(DirectoryEntrySchema))
@blp.alt_response(404, response="NOT_FOUND")
def my_directory(args):
    """Search the company directory (every enabled extension), as the panel's phonebook shows it."""
    found = phonebook.search(my_extension(), args["q"]).directory
    return json_response({"items": DirectoryEntrySchema(many=True).dump(found), "next_cursor": None})


def _contact_input(data):
    return phonebook.ContactInput(data["name"], data["company"], data["email"], data["notes"],
                                  [(item["label"], item["number"]) for item in data["numbers"]])


CONTACT = "/api/v1/me/contacts/{contact_id}"


@blp.route("/contacts")
class MyContacts(MethodView):
    """My personal contacts and the shared ones."""

    @requires(blp, "phonebook:read")
    @blp.arguments(ContactFilter, location="query")
    @blp.response(200, page_schema(ContactSchema))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args):
        """List my personal contacts, or the shared phonebook, by id."""
        extension = my_extension()
        owner = Contact.owner.is_null() if args["phonebook"] == "shared" else Contact.owner == extension.id
        return page(ContactSchema, Contact.select().where(owner), Contact.id, args)

    @requires(blp, "phonebook:write")
    @blp.arguments(ContactSchema)
    @blp.response(201, ContactSchema)
    @linked(blp, 201, "contact_id", "/id", ("GET", CONTACT), ("PUT", CONTACT), ("DELETE", CONTACT))
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data):
        """Add a contact to my personal phonebook."""
        extension = my_extension()
        limits = phonebook.Limits.from_settings(current_app.config)
        contact = phonebook.create(extension, _contact_input(data), actor(), limits=limits)
        return respond(ContactSchema, contact, 201, {"Location": f"{blp.url_prefix}/contacts/{contact.id}"})


@blp.route(f"/contacts/<{ID}:contact_id>")
class MyContact(MethodView):
    """One contact of mine (or a shared one)."""

    @requires(blp, "phonebook:read")
    @blp.response(200, ContactSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, contact_id):
        """Read a contact of mine or a shared one."""
        return respond(ContactSchema, phonebook.get_contact(contact_id, my_extension()))

    @requires(blp, "phonebook:write")
    @blp.arguments(ContactSchema)
    @written(blp, 200, ContactSchema)
    def put(self, data, contact_id):
        """Replace a contact of mine (admins: a shared one too)."""
        extension = my_extension()
        check_if_match(ContactSchema, phonebook.get_contact(contact_id, extension))
        contact = phonebook.update(contact_id, _contact_input(data), actor(), extension)
        return respond(ContactSchema, Contact.get_by_id(contact.id))

    @requires(blp, "phonebook:write")
    @written(blp, 204)
    def delete(self, contact_id):
        """Delete a contact of mine (admins: a shared one too)."""
        extension = my_extension()
        check_if_match(ContactSchema, phonebook.get_contact(contact_id, extension))
        phonebook.delete(contact_id, actor(), extension)
        return json_response(None, 204)


class VoicemailSchema(Schema):
    """One voicemail message of the owner's mailbox."""

    msg_id = fields.String()
    folder = fields.String(metadata={"description": "INBOX (new) or Old (heard)"})
    caller_name = fields.String()
    caller_number = fields.String()
    received_at = UtcDateTime(allow_none=True)
    duration = fields.Integer(metadata={"description": "seconds"})


@blp.route("/voicemail")
@requires(blp, "voicemail:read")
@blp.response(200, page_schema(VoicemailSchema))
@blp.alt_response(404, response="NOT_FOUND")
def my_voicemail():
    """List my voicemail messages, newest first (a mailbox is small: one page)."""
    messages = voicemail.list_messages(my_extension())
    return json_response({"items": VoicemailSchema(many=True).dump(messages), "next_cursor": None})


@blp.route("/voicemail/<string(maxlength=64):msg_id>/heard", methods=["POST"])
@requires(blp, "voicemail:write")
@blp.response(200, VoicemailSchema)
@blp.alt_response(404, response="NOT_FOUND")
def my_voicemail_heard(msg_id):
    """Mark one of my new messages heard (the phone's message lamp follows)."""
    extension = my_extension()
    voicemail.mark_heard(extension, msg_id, actor())
    return json_response(VoicemailSchema().dump(voicemail.get_message(extension, msg_id)))


@blp.route("/voicemail/<string(maxlength=64):msg_id>", methods=["DELETE"])
@requires(blp, "voicemail:write")
@blp.response(204)
@blp.alt_response(404, response="NOT_FOUND")
def my_voicemail_delete(msg_id):
    """Delete one of my voicemail messages (through Asterisk, which renumbers the folder and the lamp)."""
    voicemail.delete_message(my_extension(), msg_id, actor())
    return json_response(None, 204)
