"""SMS (decision 019): send from an extension, list messages and conversations, read a message's status.

A personal token acts for its owner's extension only (no id reaches another person's messages);
a service token may send as any extension (``extension``) and read every message.
"""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import Extension
from appliance.models.sms import CHANNELS, DIRECTIONS, STATUSES, SmsMessage
from appliance.services import sms
from web.api.auth import actor, principal, requires
from web.api.common import (
    ID,
    ONE_LINE,
    PageArgs,
    UtcDateTime,
    json_response,
    length,
    one_of,
    page_schema,
    paginate,
    pattern,
    value_range,
)

blp = Blueprint("sms", __name__, url_prefix="/api/v1/sms",
                description="Text messages: between extensions (SIP MESSAGE) and to phone numbers (SMS providers).")
EXTENSION_NUMBER = r"^([1-9][0-9]{1,7})?$"


class MessageSchema(Schema):
    """A message in or out, and where it stands."""

    id = fields.Integer(dump_only=True)
    direction = fields.String(dump_only=True, metadata={"enum": list(DIRECTIONS)})
    channel = fields.String(dump_only=True, metadata={"enum": list(CHANNELS),
                                                      "description": "internal: between extensions"})
    own_number = fields.String(dump_only=True, metadata={"description": "Our side: the extension or our number"})
    peer = fields.String(dump_only=True, metadata={"description": "The other side: an extension or E.164"})
    extension = fields.String(dump_only=True, allow_none=True)
    body = fields.String(dump_only=True)
    encoding = fields.String(dump_only=True, metadata={"description": "gsm7, ucs2 or text"})
    parts = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": list(STATUSES)})
    reason = fields.String(dump_only=True, metadata={"description": "Why it failed"})
    created_at = UtcDateTime(dump_only=True)
    sent_at = UtcDateTime(dump_only=True, allow_none=True)
    delivered_at = UtcDateTime(dump_only=True, allow_none=True)


class SendSchema(Schema):
    """What to send: to an extension or a phone number, from an extension (a service token names it)."""

    to = fields.String(required=True, validate=[length(min=1, max=40), pattern(ONE_LINE)],
                       metadata={"description": "An extension number, or a phone number (E.164 or national)"})
    body = fields.String(required=True, validate=length(min=1, max=4000))
    extension = fields.String(load_default="", validate=[length(max=8), pattern(EXTENSION_NUMBER)],
                              metadata={"description": "Sending extension (service tokens); personal tokens "
                                                       "always send from their own"})


class MessageFilter(PageArgs):
    """List filters; newest first."""

    peer = fields.String(load_default="", validate=[length(max=20), pattern(r"^\+?[0-9]*$")])
    direction = fields.String(load_default="", validate=one_of(("", *DIRECTIONS)))
    status = fields.String(load_default="", validate=one_of(("", *STATUSES)))
    channel = fields.String(load_default="", validate=one_of(("", *CHANNELS)))
    extension = fields.String(load_default="", validate=[length(max=8), pattern(EXTENSION_NUMBER)],
                              metadata={"description": "Service tokens: one extension's messages"})


class ConversationSchema(Schema):
    """The messages between one of our numbers and one peer: how many, and the last one."""

    extension = fields.String(allow_none=True)
    own_number = fields.String()
    peer = fields.String()
    count = fields.Integer()
    last_id = fields.Integer()
    last_body = fields.String()
    last_at = UtcDateTime()


def _own_extension():
    """Return the personal token owner's extension (None for a service token); 404 without one."""
    owner = principal().user
    if owner is None:
        return None
    extension = Extension.get_or_none(Extension.user == owner.id)
    if extension is None:
        raise NotFound(N_("You have no extension."))
    return extension


def _scope_extension(number):
    """Return the extension a request is about: a personal token's own; a service token's ``number`` or None."""
    own = _own_extension()
    if own is not None:
        return own
    if not number:
        return None
    extension = Extension.get_or_none(Extension.number == number)
    if extension is None:
        raise ValidationError.one("extension", N_("No such extension: %(numbers)s."), numbers=number)
    return extension


def _data(message):
    return {**message.__data__, "extension": message.extension.number if message.extension_id else None}


@blp.route("")
class Messages(MethodView):
    """Messages, newest first, and new ones."""

    @requires(blp, "sms:read")
    @blp.arguments(MessageFilter, location="query")
    @blp.response(200, page_schema(MessageSchema))
    def get(self, args):
        """List messages (a personal token: its extension's only)."""
        query = sms.list_messages(_scope_extension(args["extension"]), args["peer"], args["direction"],
                                  args["status"], args["channel"])
        rows, cursor = paginate(query.order_by(), SmsMessage.id, args, newest_first=True)
        return json_response({"items": MessageSchema(many=True).dump([_data(m) for m in rows]),
                              "next_cursor": cursor})

    @requires(blp, "sms:send")
    @blp.arguments(SendSchema)
    @blp.response(202, MessageSchema)
    def post(self, data):
        """Queue a message; it is stored before anything is sent — follow ``status`` on the message."""
        sender = _scope_extension(data["extension"])
        if sender is None:
            raise ValidationError.one("extension", N_("Name the extension the message is sent from."))
        message = sms.send(sender, sms.SendInput(to=data["to"], body=data["body"]), actor())
        return json_response(MessageSchema().dump(_data(message)), 202,
                             {"Location": f"{blp.url_prefix}/{message.id}"})


@blp.route(f"/<{ID}:message_id>")
class MessageItem(MethodView):
    """One message and its status."""

    @requires(blp, "sms:read")
    @blp.response(200, MessageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, message_id):
        """Read a message: queued, sending, accepted, delivered, failed (with a reason) or received."""
        return json_response(MessageSchema().dump(_data(sms.get_visible(message_id, _own_extension()))))


class ConversationFilter(Schema):
    """How many conversations, and where the last page ended (the last_id of its last one)."""

    limit = fields.Integer(load_default=50, validate=value_range(min=1, max=200))
    cursor = fields.String(load_default=None, validate=pattern(r"^[0-9]{1,18}$"))
    extension = fields.String(load_default="", validate=[length(max=8), pattern(EXTENSION_NUMBER)])


@blp.route("/conversations")
class Conversations(MethodView):
    """Conversations: messages grouped by our number and the peer, the most recent first."""

    @requires(blp, "sms:read")
    @blp.arguments(ConversationFilter, location="query")
    @blp.response(200, page_schema(ConversationSchema))
    def get(self, args):
        """List conversations (a personal token: its extension's only)."""
        extension = _scope_extension(args["extension"])
        before = int(args["cursor"]) if args["cursor"] else None
        found = sms.conversations(extension, limit=args["limit"] + 1, before_id=before)
        more = len(found) > args["limit"]
        found = found[:args["limit"]]
        numbers = {e.id: e.number for e in Extension.select().where(
            Extension.id.in_([c.extension_id for c in found if c.extension_id]))}
        items = [{"extension": numbers.get(c.extension_id), "own_number": c.own_number, "peer": c.peer,
                  "count": c.count, "last_id": c.last_id, "last_body": c.last_body, "last_at": c.last_at}
                 for c in found]
        return json_response({"items": ConversationSchema(many=True).dump(items),
                              "next_cursor": str(found[-1].last_id) if more and found else None})


