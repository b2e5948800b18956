"""Extensions: create, edit, disable, delete; each change is compiled into Asterisk after commit."""
import re
from dataclasses import dataclass

from appliance import destinations, passwords, phone_numbers
from appliance.asterisk.confgen.recording import CHOOSABLE as RECORDING_POLICIES
from appliance.db import database
from appliance.destinations import referrers
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import DEVICE_KINDS, Device, Extension
from appliance.models.profiles import CallProfile
from appliance.models.users import User
from appliance.services import audit, engine_sync, numbering, recording_policy
from appliance.settings import LANGUAGES

# Characters that would let a name rewrite a caller ID ("Name" <number>) or a config line.
NAME_FORBIDDEN = re.compile(r'["<>\\;\x00-\x1f\x7f]')
SIP_PASSWORD_LENGTH = 24


@dataclass
class ExtensionInput:
    """What an admin types to create an extension."""

    number: str
    name: str


@dataclass
class ExtensionChanges:
    """What an admin may change on an extension; None leaves a field as it is."""

    name: str
    enabled: bool
    email: str | None = None
    language: str | None = None
    voicemail_enabled: bool | None = None
    max_calls: int | None = None
    ring_seconds: int | None = None
    #: The user who opens this extension's panel: an id, 0 for nobody, None to leave it.
    user_id: int | None = None
    #: Its call profile's id (None leaves it).
    profile_id: int | None = None
    #: Its own caller ID for outside calls ("" for none; None leaves it).
    external_callerid: str | None = None
    #: Recording of its calls: "never" or "always" (None leaves it).
    recording: str | None = None
    #: Days its recordings are kept (0: the global setting; None leaves it; decision 036).
    recording_keep_days: int | None = None
    #: The prompt both parties hear when its policy starts a recording (0: none; None leaves it).
    recording_prompt_id: int | None = None


EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
MAX_CALLS_RANGE = (1, 500)
RING_SECONDS_RANGE = (5, 120)
MAX_DEVICES = 10


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


def clean_name(name, errors):
    name = (name or "").strip()
    if not name:
        errors["name"] = (N_("Enter a name."), {})
    elif len(name) > 64:
        errors["name"] = (N_("Use at most %(max)d characters."), {"max": 64})
    elif NAME_FORBIDDEN.search(name):
        errors["name"] = (N_('The name cannot contain quotes, < > \\ or ;.'), {})
    return name


def create(data, actor):
    """Create an extension with one device and a generated SIP password; return (extension, device)."""
    errors = {}
    number = numbering.clean_internal_number(data.number, errors)
    name = clean_name(data.name, errors)
    if errors:
        raise ValidationError(errors)
    with database.atomic():
        numbering.claim(number, errors)
        if errors:
            raise ValidationError(errors)
        default = CallProfile.select(CallProfile.id).where(CallProfile.is_default).first()
        extension = Extension.create(number=number, name=name, voicemail_pin=passwords.generate_pin(),
                                     profile=default.id if default else None)
        device = Device.create(
            extension=extension,
            label="",
            sip_username=number,
            sip_password=passwords.generate(SIP_PASSWORD_LENGTH),
        )
        audit.record(actor, "extension.create", "extension", extension.id, number, after=extension.public_fields())
        # One device: the pattern dialplan and hints already cover the number, no file changes.
        engine_sync.request([device.sip_username], files=False)
    return extension, device


#: Kinds of whole numbers a form asks for, with the message naming the allowed range.
NUMBER_IN_RANGE = N_("Use a number from %(low)d to %(high)d.")
SECONDS_IN_RANGE = N_("Use %(low)d to %(high)d seconds.")


def in_range(value, field, bounds, errors, message=NUMBER_IN_RANGE):
    """Return ``value`` as an int; record ``message`` in ``errors`` when it is not one within ``bounds``."""
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = None
    if value is None or not bounds[0] <= value <= bounds[1]:
        errors[field] = (message, {"low": bounds[0], "high": bounds[1]})
    return value


#: Extension settings an admin sets the same way on the page and in a CSV file.
PROFILE_FIELDS = ("email", "language", "voicemail_enabled", "max_calls", "ring_seconds")


def validate_profile(given, errors):
    """Validate the PROFILE_FIELDS in ``given`` that are not None into ``errors``; return them cleaned."""
    values = {}
    if given.get("email") is not None:
        email = given["email"].strip()
        if email and (len(email) > 254 or not EMAIL_RE.match(email)):
            errors["email"] = (N_("Enter a valid e-mail address."), {})
        values["email"] = email
    if given.get("language") is not None:
        if given["language"] not in LANGUAGES:
            errors["language"] = (N_("Choose a language from the list."), {})
        values["language"] = given["language"]
    if given.get("voicemail_enabled") is not None:
        values["voicemail_enabled"] = bool(given["voicemail_enabled"])
    if given.get("max_calls") is not None:
        values["max_calls"] = in_range(given["max_calls"], "max_calls", MAX_CALLS_RANGE, errors)
    if given.get("ring_seconds") is not None:
        values["ring_seconds"] = in_range(given["ring_seconds"], "ring_seconds", RING_SECONDS_RANGE, errors)
    return values


def _validate_changes(changes, extension, errors):
    """Return {field: new value} for the fields ``changes`` sets, validated into ``errors``."""
    values = {"name": clean_name(changes.name, errors), "enabled": bool(changes.enabled)}
    values.update(validate_profile({key: getattr(changes, key) for key in PROFILE_FIELDS}, errors))
    if changes.user_id is not None:
        user_id = int(changes.user_id) or None
        if user_id is not None:
            if User.get_or_none(User.id == user_id) is None:
                errors["user_id"] = (N_("Choose a user from the list."), {})
            elif Extension.select().where((Extension.user == user_id) & (Extension.id != extension.id)).exists():
                errors["user_id"] = (N_("That user already has an extension."), {})
        values["user"] = user_id
    if changes.profile_id is not None:
        try:
            profile_id = int(changes.profile_id)
        except (TypeError, ValueError):
            profile_id = 0
        if CallProfile.get_or_none(CallProfile.id == profile_id) is None:
            errors["profile_id"] = (N_("Choose a profile from the list."), {})
        values["profile"] = profile_id
    if changes.external_callerid is not None:
        values["external_callerid"] = clean_callerid(changes.external_callerid, errors)
    if changes.recording is not None:
        if changes.recording in RECORDING_POLICIES:
            values["recording"] = changes.recording
        else:
            errors["recording"] = (N_("Choose a recording option from the list."), {})
    if changes.recording_keep_days is not None:
        _, values["recording_keep_days"] = recording_policy.clean("never", changes.recording_keep_days, errors)
    if changes.recording_prompt_id is not None:
        values["recording_prompt"] = recording_policy.clean_prompt(changes.recording_prompt_id, errors)
    return values


def clean_callerid(raw, errors, field="external_callerid"):
    """Return ``raw`` as an E.164 caller ID ("" for none); record in ``errors[field]`` when it is not one."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    normal = phone_numbers.normalize(raw)
    if not normal or not normal.startswith("+") or len(normal) > 20:
        errors[field] = (N_("Enter a phone number, e.g. +55 11 3333-4444."), {})
        return raw
    return normal


def update(extension_id, changes, actor):
    """Change an extension's settings; the engine rows follow after commit (no reload)."""
    with database.atomic():
        extension = get_extension(extension_id)
        errors = {}
        values = _validate_changes(changes, extension, errors)
        if errors:
            raise ValidationError(errors)
        before = extension.public_fields()
        for field, value in values.items():
            setattr(extension, field, value)
        if extension.public_fields() == before:
            return extension
        extension.save()
        audit.record(actor, "extension.update", "extension", extension.id, extension.number,
                     before=before, after=extension.public_fields())
        # Everything here lives in realtime rows (caller ID, mailbox, limits; none while disabled), but
        # the recording steps are in the dialplan only while some extension records.
        recording_changed = before.get("recording") != extension.public_fields().get("recording")
        engine_sync.request(_usernames(extension), files=recording_changed, numbers=[extension.number])
    return extension


def next_device_username(extension):
    """Return the SIP user name of the extension's next device: ``<number>-<n>``."""
    taken = {d.sip_username for d in Device.select(Device.sip_username).where(
        Device.sip_username.startswith(f"{extension.number}-"))}
    n = 2
    while f"{extension.number}-{n}" in taken:
        n += 1
    return f"{extension.number}-{n}"


def add_device(extension_id, label, actor, kind="sip"):
    """Give the extension another device with its own generated credentials; return it.

    ``kind`` is one of DEVICE_KINDS: "sip" (a softphone) or "webrtc" (a browser phone).
    """
    label = (label or "").strip()
    if len(label) > 64 or NAME_FORBIDDEN.search(label):
        raise ValidationError.one("label", N_("Use at most %(max)d characters, without quotes, < > \\ or ;."),
                                  max=64)
    if kind not in DEVICE_KINDS:
        raise ValidationError.one("kind", N_("Choose a device kind from the list."))
    with database.atomic():
        extension = get_extension(extension_id)
        if extension.devices.count() >= MAX_DEVICES:
            raise ValidationError.one("label", N_("An extension has at most %(max)d devices."), max=MAX_DEVICES)
        device = Device.create(extension=extension, label=label, kind=kind,
                               sip_username=next_device_username(extension),
                               sip_password=passwords.generate(SIP_PASSWORD_LENGTH))
        audit.record(actor, "device.create", "device", device.id, device.sip_username,
                     after={"extension": extension.number, "label": label, "kind": kind})
        # A new device joins the extension's dial string and its BLF hint.
        engine_sync.request([device.sip_username], numbers=[extension.number])
    return device


def delete_device(device_id, actor):
    """Remove a device; an extension keeps at least one."""
    with database.atomic():
        device = get_device(device_id)
        extension = device.extension
        if extension.devices.count() <= 1:
            raise ValidationError.one("device", N_("An extension keeps at least one device."))
        audit.record(actor, "device.delete", "device", device.id, device.sip_username,
                     before={"extension": extension.number, "label": device.label, "mac": device.mac or ""})
        engine_sync.request([device.sip_username], numbers=[extension.number])
        device.delete_instance()


def delete(extension_id, actor):
    """Delete an extension and its devices; what sent calls to it hangs up instead.

    Return the Referrers that were pointed at hang-up, for the page to list.
    """
    with database.atomic():
        extension = get_extension(extension_id)
        audit.record(actor, "extension.delete", "extension", extension.id, extension.number,
                     before=extension.public_fields())
        rerouted = referrers.reroute(destinations.of_number(extension.number), destinations.HANGUP, actor)
        engine_sync.request(_usernames(extension), numbers=[extension.number])
        extension.delete_instance(recursive=True)
    return rerouted


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
