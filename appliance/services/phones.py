"""Desk phones: the pending ones that asked for a configuration, assigning them, what they get, resync."""
import datetime
import logging
import re
import secrets
from dataclasses import dataclass

from appliance import passwords
from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import Device, Extension, PendingPhone, ProvisioningBan
from appliance.models.users import utcnow
from appliance.services import audit, engine_sync
from appliance.services.extensions import next_device_username
from provisioning import vendors
from provisioning.base import DirectoryEntry, Key, Line, PhoneConfig, normalize_mac

log = logging.getLogger(__name__)
#: BLF keys a phone gets for colleagues when nobody chose its keys.
DEFAULT_BLF_KEYS = 10


@dataclass
class PhoneInput:
    """A phone to attach to an extension (from the admin page, the CLI or Ansible)."""

    mac: str
    vendor: str
    model: str
    extension_number: str


def _vendors():
    return vendors.load_all()


def list_phones():
    """Return the devices that are desk phones (they have a MAC), by extension."""
    return (Device.select(Device, Extension).join(Extension).where(Device.mac.is_null(False))
            .order_by(Extension.number, Device.sip_username))


def list_pending():
    """Return phones waiting to be assigned, most recent first."""
    return PendingPhone.select().order_by(PendingPhone.last_seen.desc())


def find_phone(mac):
    """Return the device with this MAC, or None."""
    mac = normalize_mac(mac)
    return Device.get_or_none(Device.mac == mac) if mac else None


def find_by_token(token):
    """Return the device whose provisioning token is ``token``, or None."""
    if not token or not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    return Device.get_or_none(Device.prov_token == token)


def _validate(data):
    errors = {}
    mac = normalize_mac(data.mac)
    if mac is None:
        errors["mac"] = (N_("Enter a MAC address of 12 hexadecimal digits."), {})
    vendor = _vendors().get(data.vendor)
    if vendor is None:
        errors["vendor"] = (N_("Choose a supported phone vendor."), {})
    else:
        try:
            vendor.family_of(data.model)
        except (ValueError, AttributeError):
            errors["model"] = (N_("%(model)s is not a supported %(vendor)s model."),
                               {"model": data.model, "vendor": vendor.label})
    extension = Extension.get_or_none(Extension.number == (data.extension_number or "").strip())
    if extension is None:
        errors["extension_number"] = (N_("Extension %(number)s does not exist."), {"number": data.extension_number})
    if errors:
        raise ValidationError(errors)
    return mac, extension


def save_phone(data, actor, bootstrap_address="", minutes=60):
    """Attach the phone ``data`` describes to its extension; return (device, changed).

    Idempotent: the same phone on the same extension with the same model changes nothing.
    A new or moved phone gets its own SIP account (``<number>-<n>``), a provisioning token,
    and a zero-touch window of ``minutes`` during which it may fetch its secrets once.
    """
    mac, extension = _validate(data)
    with database.atomic():
        device = Device.get_or_none(Device.mac == mac)
        unchanged = (data.vendor, data.model, extension.id)
        if device and (device.vendor, device.model, device.extension_id) == unchanged:
            return device, False
        before = {"extension": device.extension.number, "model": device.model} if device else {}
        if device is None or device.extension_id != extension.id:
            if device is not None:  # moving: the old account goes, the phone starts over
                engine_sync.request([device.sip_username])
                device.delete_instance()
            device = Device(extension=extension, sip_username=next_device_username(extension),
                            sip_password=passwords.generate(24), mac=mac)
        label = _vendors()[data.vendor].label
        device.vendor, device.model, device.label = data.vendor, data.model, f"{label} {data.model}"
        device.prov_token = device.prov_token or secrets.token_hex(16)
        device.phone_admin_password = device.phone_admin_password or passwords.generate(16)
        device.bootstrap_until = utcnow() + datetime.timedelta(minutes=minutes)
        device.bootstrap_address = bootstrap_address
        device.save()
        PendingPhone.delete().where(PendingPhone.mac == mac).execute()
        audit.record(actor, "phone.assign", "phone", device.id, mac, before=before,
                     after={"extension": extension.number, "model": device.model, "vendor": device.vendor})
        engine_sync.request([device.sip_username])
    return device, True


def assign_pending(pending_id, extension_number, actor, minutes=60):
    """Attach a pending phone to an extension; it may fetch its secrets from where it was seen."""
    pending = PendingPhone.get_or_none(PendingPhone.id == pending_id)
    if pending is None:
        raise NotFound(N_("That phone is no longer waiting."))
    data = PhoneInput(pending.mac, pending.vendor, pending.model, extension_number)
    return save_phone(data, actor, bootstrap_address=pending.address, minutes=minutes)[0]


def remove_phone(device_id, actor):
    """Detach a desk phone: its SIP account and provisioning secrets are gone."""
    with database.atomic():
        device = Device.get_or_none((Device.id == device_id) & Device.mac.is_null(False))
        if device is None:
            raise NotFound(N_("Phone not found."))
        audit.record(actor, "phone.remove", "phone", device.id, device.mac,
                     before={"extension": device.extension.number, "model": device.model})
        engine_sync.request([device.sip_username])
        device.delete_instance()


def note_pending(mac, vendor, identity, address, user_agent):
    """Record (or refresh) a phone that asked for its configuration while assigned to nobody."""
    now = utcnow()
    fields = {"vendor": vendor, "model": identity.model[:32], "firmware": identity.firmware[:64],
              "address": address[:64], "user_agent": user_agent[:255], "last_seen": now}
    with database.atomic():
        updated = (PendingPhone.update(requests=PendingPhone.requests + 1, **fields)
                   .where(PendingPhone.mac == mac).execute())
        if not updated:
            PendingPhone.insert(mac=mac, first_seen=now, **fields).on_conflict_ignore().execute()


def note_fetch(device, address, user_agent, firmware):
    """Remember when and from where a phone last fetched its files; a bootstrap fetch closes the window."""
    fields = {"last_fetch_at": utcnow(), "last_fetch_address": address[:64], "last_user_agent": user_agent[:255]}
    if firmware:
        fields["firmware"] = firmware[:64]
    Device.update(**fields).where(Device.id == device.id).execute()


def close_bootstrap(device):
    """End a phone's zero-touch window (it got its secrets)."""
    Device.update(bootstrap_until=None, bootstrap_address="").where(Device.id == device.id).execute()


def bootstrap_open(device, address):
    """Tell whether ``device`` may fetch its secrets without its token, from ``address``, now."""
    return (device.bootstrap_until is not None and device.bootstrap_until > utcnow()
            and device.bootstrap_address in ("", address))


def is_banned(address, now=None):
    """Tell whether ``address`` is banned from the provisioning server."""
    ban = ProvisioningBan.get_or_none(ProvisioningBan.address == address)
    return bool(ban and ban.banned_until and ban.banned_until > (now or utcnow()))


def note_failure(address, conf):
    """Count a failed request from ``address``; ban it past the limit. Return True when now banned."""
    now = utcnow()
    window = datetime.timedelta(seconds=conf["PROV_BAN_WINDOW"])
    with database.atomic():
        ban = ProvisioningBan.get_or_none(ProvisioningBan.address == address)
        if ban is None:
            ban = ProvisioningBan.create(address=address, window_start=now, failures=0)
        if now - ban.window_start > window:
            ban.window_start, ban.failures = now, 0
        ban.failures += 1
        if ban.failures >= conf["PROV_BAN_FAILURES"]:
            if not (ban.banned_until and ban.banned_until > now):
                log.warning("provisioning: banning %s after %d failed requests", address, ban.failures)
            ban.banned_until = now + datetime.timedelta(seconds=conf["PROV_BAN_SECONDS"])
        ban.save()
    return bool(ban.banned_until and ban.banned_until > now)


def phone_config(device, conf, base_url):
    """Return the PhoneConfig ``device`` is provisioned with; ``base_url`` is the /prov root phones reach."""
    extension = device.extension
    colleagues = (Extension.select().where((Extension.id != extension.id) & Extension.enabled)
                  .order_by(Extension.number).limit(DEFAULT_BLF_KEYS))
    engine = engine_sync.configured_engine()
    server, port = (engine.settings.bind_address, engine.settings.sip_port) if engine else (
        conf["SIP_BIND"], conf["SIP_PORT"])
    if server in ("0.0.0.0", "::"):
        server = base_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[0]
    own = f"{base_url}/{device.prov_token}"
    return PhoneConfig(
        mac=device.mac,
        model=device.model,
        lines=(Line(device.sip_username, device.sip_password, extension.name, extension.number),),
        sip_server=server,
        sip_port=int(port),
        timezone=conf["TIMEZONE"],
        ntp_server=conf["NTP_SERVER"],
        language=conf["DEFAULT_LOCALE"],
        keys=tuple(Key("blf", other.number, other.name) for other in colleagues),
        directory_url=f"{own}/directory.xml",
        firmware_url=conf["PROV_FIRMWARE"].get(f"{device.vendor}:{device.model}", ""),
        provisioning_url=own,
        admin_password=device.phone_admin_password,
    )


def directory_entries(extension=None):
    """Return a phone's phonebook: every enabled extension, the shared contacts, and ``extension``'s own ones."""
    from appliance.services import phonebook

    entries = [DirectoryEntry(other.name, other.number)
               for other in Extension.select().where(Extension.enabled).order_by(Extension.name)]
    return entries + phonebook.phone_directory(extension)


def resync(device_ids, actor):
    """Send each phone its vendor's check-sync NOTIFY through Asterisk; return how many were sent.

    A phone that is not registered cannot be reached and is skipped: it fetches its files by
    itself when it boots.
    """
    from appliance.asterisk.ami import Ami, AmiActionFailed, AmiSettings

    engine = engine_sync.configured_engine()
    if engine is None:
        raise ValidationError.one("engine", N_("The phone system is not running."))
    devices = list(Device.select().where(Device.id.in_(list(device_ids)) & Device.mac.is_null(False)))
    sent = 0
    with Ami(AmiSettings.for_engine(engine.settings)) as ami:
        for device in devices:
            vendor = _vendors().get(device.vendor)
            if vendor is None:
                continue
            try:
                ami.pjsip_notify(device.sip_username, vendor.check_sync)
            except AmiActionFailed as error:
                log.info("resync: %s not reached: %s", device.sip_username, error.reason)
                continue
            sent += 1
    audit.record(actor, "phone.resync", "phone", "", ", ".join(d.mac for d in devices)[:120],
                 after={"count": sent})
    return sent
