"""Extensions and their devices (admins): the same services as the Extensions pages.

The pattern every resource follows: schemas (types only), ``@blp.route`` then
``@requires(blp, scope)``, arguments and responses documented, the service does the rest.
A plain collection (list, create, read, replace, delete) is one ``crud.register`` call.
"""
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from appliance.asterisk.confgen.recording import CHOOSABLE as RECORDING_POLICIES
from appliance.models.extensions import DEVICE_KINDS, Device, Extension
from appliance.services import extension_settings, extensions
from appliance.settings import LANGUAGES
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
    page,
    page_schema,
    pattern,
    respond,
    value_range,
)
from web.api.crud import written
from web.api.me import SettingsChangeSchema, SettingsSchema, change_settings

blp = Blueprint("extensions", __name__, url_prefix="/api/v1/extensions",
                description="Extensions (the numbers people dial) and their SIP devices.")


class DeviceSchema(Schema):
    """A SIP device; its password is never shown again after it is created."""

    id = fields.Integer(dump_only=True)
    extension_id = fields.Integer(dump_only=True)
    label = fields.String(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": list(DEVICE_KINDS),
                                                   "description": "sip: UDP/TCP phone; webrtc: browser phone"})
    sip_username = fields.String(dump_only=True)
    mac = fields.String(dump_only=True, allow_none=True)
    vendor = fields.String(dump_only=True)
    model = fields.String(dump_only=True)
    created_at = UtcDateTime(dump_only=True)


class NewDeviceSchema(DeviceSchema):
    """A device just created: the only time its SIP password is shown."""

    sip_password = fields.String(dump_only=True)


class ExtensionSchema(Schema):
    """An extension as an admin sees it (never the voicemail PIN)."""

    id = fields.Integer(dump_only=True)
    number = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    enabled = fields.Boolean(dump_only=True)
    email = fields.String(dump_only=True)
    language = fields.String(dump_only=True)
    voicemail_enabled = fields.Boolean(dump_only=True)
    max_calls = fields.Integer(dump_only=True)
    ring_seconds = fields.Integer(dump_only=True)
    user_id = fields.Integer(dump_only=True, allow_none=True)
    recording = fields.String(dump_only=True, metadata={"description": "never, always or on_demand"})
    created_at = UtcDateTime(dump_only=True)


#: What a name may not contain (services.extensions.NAME_FORBIDDEN), so the document says it too.
NAME = r'^[^"<>\\;\x00-\x1f\x7f]*$'


class ExtensionCreateSchema(Schema):
    """A new extension: its number and name."""

    number = fields.String(required=True, validate=[length(min=2, max=8), pattern(r"^[1-9][0-9]{1,7}$")])
    name = fields.String(required=True, validate=[length(min=1, max=64), pattern(NAME)])


class ExtensionCreatedSchema(Schema):
    """A new extension and its first device, with the SIP password shown this once."""

    extension = fields.Nested(ExtensionSchema, required=True)
    device = fields.Nested(NewDeviceSchema, required=True)


class ExtensionChangeSchema(Schema):
    """Fields to change; those left out keep their value."""

    name = fields.String(validate=[length(min=1, max=64), pattern(NAME)])
    enabled = fields.Boolean()
    email = fields.String(validate=length(max=254))
    language = fields.String(validate=one_of(tuple(LANGUAGES)))
    voicemail_enabled = fields.Boolean()
    max_calls = fields.Integer(validate=value_range(min=1, max=500))
    ring_seconds = fields.Integer(validate=value_range(min=5, max=120))
    recording = fields.String(validate=one_of(RECORDING_POLICIES),
                              metadata={"description": "Recording of its calls: never, always or on_demand (*1 "
                                                       "during a call)"})
    user_id = fields.Integer(allow_none=True, validate=value_range(min=0, max=2**31 - 1),
                             metadata={"description": "The user who opens the panel; null or 0 for nobody"})


class ExtensionFilter(PageArgs):
    """List filters: a number prefix or part of the name."""

    q = fields.String(load_default="", validate=length(max=64))


class DeviceCreateSchema(Schema):
    """Another device (a softphone, or a browser phone)."""

    label = fields.String(load_default="", validate=[length(max=64), pattern(NAME)])
    kind = fields.String(load_default="sip", validate=one_of(DEVICE_KINDS))


class PasswordSchema(Schema):
    """A SIP password just generated, shown this once."""

    sip_password = fields.String(required=True)


def _dump_device(device, with_password=False):
    return (NewDeviceSchema if with_password else DeviceSchema)().dump(device)


ONE = "/api/v1/extensions/{extension_id}"
#: What a client does next with an extension it made (documented links).
_ON_ONE = (("GET", ONE), ("PATCH", ONE), ("DELETE", ONE), ("GET", ONE + "/devices"), ("POST", ONE + "/devices"),
           ("GET", ONE + "/settings"), ("PATCH", ONE + "/settings"))


@blp.route("")
class Extensions(MethodView):
    """The list of extensions, and new ones."""

    @requires(blp, "extensions:read")
    @blp.arguments(ExtensionFilter, location="query")
    @blp.response(200, page_schema(ExtensionSchema))
    def get(self, args):
        """List extensions by id, filtered by number prefix or name."""
        return page(ExtensionSchema, extensions.list_extensions(args["q"]).order_by(), Extension.id, args)

    @requires(blp, "extensions:write")
    @blp.arguments(ExtensionCreateSchema)
    @blp.response(201, ExtensionCreatedSchema)
    @linked(blp, 201, "extension_id", "/extension/id", *_ON_ONE)
    def post(self, data):
        """Create an extension with one device; the response is the only time its SIP password is shown."""
        extension, device = extensions.create(extensions.ExtensionInput(data["number"], data["name"]), actor())
        body = {"extension": ExtensionSchema().dump(extension), "device": _dump_device(device, True)}
        return json_response(body, 201, {"Location": f"{blp.url_prefix}/{extension.id}"})


@blp.route(f"/<{ID}:extension_id>")
class ExtensionItem(MethodView):
    """One extension."""

    @requires(blp, "extensions:read")
    @blp.response(200, ExtensionSchema, headers={"ETag": {"schema": {"type": "string"}}})
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, extension_id):
        """Read an extension (with its ETag)."""
        return respond(ExtensionSchema, extensions.get_extension(extension_id))

    @requires(blp, "extensions:write")
    @blp.arguments(ExtensionChangeSchema)
    @written(blp, 200, ExtensionSchema)
    def patch(self, data, extension_id):
        """Change an extension's settings; fields left out keep their value."""
        extension = extensions.get_extension(extension_id)
        check_if_match(ExtensionSchema, extension)
        changes = extensions.ExtensionChanges(
            name=data.get("name", extension.name), enabled=data.get("enabled", extension.enabled),
            email=data.get("email"), language=data.get("language"), voicemail_enabled=data.get("voicemail_enabled"),
            max_calls=data.get("max_calls"), ring_seconds=data.get("ring_seconds"),
            user_id=(data["user_id"] or 0) if "user_id" in data else None, recording=data.get("recording"))
        return respond(ExtensionSchema, extensions.update(extension_id, changes, actor()))

    @requires(blp, "extensions:write")
    @written(blp, 204)
    def delete(self, extension_id):
        """Delete an extension and its devices; what sent calls to it hangs up instead."""
        check_if_match(ExtensionSchema, extensions.get_extension(extension_id))
        extensions.delete(extension_id, actor())
        return json_response(None, 204)


@blp.route(f"/<{ID}:extension_id>/devices")
class ExtensionDevices(MethodView):
    """The devices of one extension."""

    @requires(blp, "extensions:read")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, page_schema(DeviceSchema))
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args, extension_id):
        """List an extension's devices."""
        extension = extensions.get_extension(extension_id)
        return page(DeviceSchema, Device.select().where(Device.extension == extension.id), Device.id, args)

    @requires(blp, "extensions:write")
    @blp.arguments(DeviceCreateSchema)
    @blp.response(201, NewDeviceSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def post(self, data, extension_id):
        """Add a device (a softphone); the response is the only time its SIP password is shown."""
        device = extensions.add_device(extension_id, data["label"], actor(), kind=data["kind"])
        return json_response(_dump_device(device, True), 201)


@blp.route(f"/<{ID}:extension_id>/settings")
class ExtensionSettings(MethodView):
    """An extension's call settings, as its owner sees them in the panel (admins open anyone's)."""

    @requires(blp, "extensions:read")
    @blp.response(200, SettingsSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, extension_id):
        """Read an extension's forwarding, do-not-disturb and presence (with the ETag)."""
        return respond(SettingsSchema, extension_settings.current(extensions.get_extension(extension_id)))

    @requires(blp, "extensions:write")
    @blp.arguments(SettingsChangeSchema(partial=True))
    @written(blp, 200, SettingsSchema)
    def patch(self, data, extension_id):
        """Change an extension's call settings; live on its next call."""
        return change_settings(extensions.get_extension(extension_id), data)


devices = Blueprint("devices", __name__, url_prefix="/api/v1/devices", description="SIP devices of extensions.")


@devices.route(f"/<{ID}:device_id>")
class DeviceItem(MethodView):
    """One device."""

    @requires(devices, "extensions:read")
    @devices.response(200, DeviceSchema)
    @devices.alt_response(404, response="NOT_FOUND")
    def get(self, device_id):
        """Read a device (never its password)."""
        return respond(DeviceSchema, extensions.get_device(device_id))

    @requires(devices, "extensions:write")
    @written(devices, 204)
    @devices.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def delete(self, device_id):
        """Remove a device; an extension keeps at least one."""
        check_if_match(DeviceSchema, extensions.get_device(device_id))
        extensions.delete_device(device_id, actor())
        return json_response(None, 204)


@devices.route(f"/<{ID}:device_id>/password", methods=["POST"])
@requires(devices, "extensions:write")
@devices.response(200, PasswordSchema)
@devices.alt_response(404, response="NOT_FOUND")
def device_new_password(device_id):
    """Give a device a new generated SIP password, shown this once."""
    return json_response({"sip_password": extensions.regenerate_password(device_id, actor())})
