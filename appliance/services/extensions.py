"""Extensions: create, edit, disable, delete; each change is compiled into Asterisk after commit."""
import re
from dataclasses import dataclass

from appliance import passwords
from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import Device, Extension, RingGroup
from appliance.services import audit, engine_sync

NUMBER_RE = re.compile(r"^[1-9][0-9]{1,7}$")
# Characters that would let a name rewrite a caller ID ("Name" <number>) or a config line.
NAME_FORBIDDEN = re.compile(r'["<>\\;\x00-\x1f\x7f]')
# Brazilian public emergency and utility numbers (Anatel) plus 112/911: a phone
# dialling them must reach the outside, never an internal extension.
RESERVED_NUMBERS = {"100", "112", "128", "136", "153", "180", "181", "188", "190", "191", "192", "193",
                    "194", "197", "198", "199", "911"}
SIP_PASSWORD_LENGTH = 24


@dataclass
class ExtensionInput:
    """What an admin types to create an extension."""

    number: str
    name: str


@dataclass
class ExtensionChanges:
    """What an admin may change on an extension."""

    name: str
    enabled: bool


def get_extension(extension_id):
    """Return the extension with ``extension_id`` or raise NotFound."""
    extension = Extension.get_or_none(Extension.id == extension_id)
    if extension is None:
        raise NotFound(N_("Extension not found."))
    return extension


def find_extension(number):
    """Return the extension with ``number`` or None."""
    return Extension.get_or_none(Extension.number == number)


def get_device(device_id):
    """Return the device with ``device_id`` or raise NotFound."""
    device = Device.get_or_none(Device.id == device_id)
    if device is None:
        raise NotFound(N_("Device not found."))
    return device


def list_extensions(search=""):
    """Return extensions ordered by number, optionally filtered by number or name."""
    query = Extension.select().order_by(Extension.number)
    if search:
        query = query.where(Extension.number.startswith(search) | Extension.name.contains(search))
    return query


def _clean_name(name, errors):
    name = (name or "").strip()
    if not name:
        errors["name"] = (N_("Enter a name."), {})
    elif len(name) > 64:
        errors["name"] = (N_("Use at most %(max)d characters."), {"max": 64})
    elif NAME_FORBIDDEN.search(name):
        errors["name"] = (N_('The name cannot contain quotes, < > \\ or ;.'), {})
    return name


def _validate_number(number, errors):
    number = (number or "").strip()
    if not NUMBER_RE.match(number):
        errors["number"] = (N_("Use 2 to 8 digits, not starting with 0."), {})
    elif number in RESERVED_NUMBERS:
        errors["number"] = (N_("%(number)s is a public emergency or utility number."), {"number": number})
    return number


def create(data, actor):
    """Create an extension with one device and a generated SIP password; return (extension, device)."""
    errors = {}
    number = _validate_number(data.number, errors)
    name = _clean_name(data.name, errors)
    if errors:
        raise ValidationError(errors)
    with database.atomic():
        if find_extension(number) is not None or Device.select().where(Device.sip_username == number).exists():
            raise ValidationError.one("number", N_("Extension %(number)s already exists."), number=number)
        if RingGroup.select().where(RingGroup.number == number).exists():
            raise ValidationError.one("number", N_("Number %(number)s is already in use."), number=number)
        extension = Extension.create(number=number, name=name, voicemail_pin=passwords.generate_pin())
        device = Device.create(
            extension=extension,
            label="",
            sip_username=number,
            sip_password=passwords.generate(SIP_PASSWORD_LENGTH),
        )
        audit.record(actor, "extension.create", "extension", extension.id, number, after=extension.public_fields())
        engine_sync.request([device.sip_username])
    return extension, device


def update(extension_id, changes, actor):
    """Change an extension's name or enabled state."""
    errors = {}
    name = _clean_name(changes.name, errors)
    if errors:
        raise ValidationError(errors)
    with database.atomic():
        extension = get_extension(extension_id)
        before = extension.public_fields()
        extension.name, extension.enabled = name, bool(changes.enabled)
        if extension.public_fields() == before:
            return extension
        extension.save()
        audit.record(actor, "extension.update", "extension", extension.id, extension.number,
                     before=before, after=extension.public_fields())
        # Name and state live in the device rows (caller ID; no rows while disabled): no reload.
        engine_sync.request(_usernames(extension), files=False)
    return extension


def delete(extension_id, actor):
    """Delete an extension and its devices."""
    with database.atomic():
        extension = get_extension(extension_id)
        audit.record(actor, "extension.delete", "extension", extension.id, extension.number,
                     before=extension.public_fields())
        engine_sync.request(_usernames(extension), numbers=[extension.number])
        extension.delete_instance(recursive=True)


def regenerate_password(device_id, actor):
    """Give a device a new generated SIP password; return it."""
    new_password = passwords.generate(SIP_PASSWORD_LENGTH)
    with database.atomic():
        device = get_device(device_id)
        device.sip_password = new_password
        device.save()
        audit.record(actor, "device.new_password", "device", device.id, device.sip_username)
        engine_sync.request([device.sip_username], files=False)
    return new_password


def _usernames(extension):
    return [device.sip_username for device in extension.devices]
