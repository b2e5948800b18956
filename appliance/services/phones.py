"""Desk phones: the pending ones that asked for a configuration, assigning them, what they get, resync."""
import datetime
import logging
import re
import secrets
from dataclasses import dataclass

from appliance import passwords
from appliance.asterisk import control
from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import Device, Extension
from appliance.models.phones import PendingPhone, ProvisioningBan
from appliance.models.users import utcnow
from appliance.services import audit, engine_sync, phonebook
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


def get_phone(device_id):
    """Return the desk phone (a device with a MAC) ``device_id``, or raise NotFound."""
    device = Device.get_or_none((Device.id == device_id) & Device.mac.is_null(False))
    if device is None:
        raise NotFound(N_("Phone not found."))
    return device


def find_phone(mac):
    """Return the device with this MAC, or None."""
    mac = normalize_mac(mac)
    return Device.get_or_none(Device.mac == mac) if mac else None


def find_by_token(token):
    """Return the device whose provisioning token is ``token``, or None."""
    if not token or not re.fullmatch(r"[0-9a-f]{32}", token):
        return None
    # Every phone request runs this: a prepared statement, not one compiled by the ORM each time.
    return next(iter(Device.raw(f"SELECT * FROM devices WHERE prov_token = {database.param}", token)), None)


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


def save_phone(data, actor, *, minutes, bootstrap_address=None):
    """Attach the phone ``data`` describes to its extension; return (device, changed).

    Idempotent: the same phone on the same extension with the same model changes nothing.
    A new or moved phone gets its own SIP account (``<number>-<n>``), a provisioning token,
    and a zero-touch window of ``minutes`` (0: none, the phone needs its token URL typed in)
    during which it may fetch its secrets once without the token, from ``bootstrap_address``:
    by default the first address the phone was seen at while pending, else the first address
    that asks inside the window. Every caller passes ``minutes`` (PROV_BOOTSTRAP_MINUTES).
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
        pending = PendingPhone.get_or_none(PendingPhone.mac == mac)
        if bootstrap_address is None:
            bootstrap_address = pending.address if pending else ""
        label = _vendors()[data.vendor].label
        device.vendor, device.model, device.label = data.vendor, data.model, f"{label} {data.model}"
        device.prov_token = device.prov_token or secrets.token_hex(16)
        device.phone_admin_password = device.phone_admin_password or passwords.generate(16)
        _open_window(device, bootstrap_address, minutes)
        device.save()
        PendingPhone.delete().where(PendingPhone.mac == mac).execute()
        audit.record(actor, "phone.assign", "phone", device.id, mac, before=before,
                     after={"extension": extension.number, "model": device.model, "vendor": device.vendor,
                            "zero_touch_minutes": max(minutes, 0), "address": bootstrap_address})
        engine_sync.request([device.sip_username])
    return device, True


def _open_window(device, address, minutes):
    """Open (``minutes`` > 0) or shut ``device``'s zero-touch window, bound to ``address`` ("" = first to ask)."""
    device.bootstrap_until = utcnow() + datetime.timedelta(minutes=minutes) if minutes > 0 else None
    device.bootstrap_address = address[:64] if minutes > 0 else ""
    device.refused_address, device.refused_at = "", None


def assign_pending(pending_id, extension_number, actor, *, minutes, address=None):
    """Attach a pending phone to an extension; it may fetch its secrets from where it was first seen.

    When another address asked with the same MAC, the admin may choose that one as ``address``
    instead; no address other than these two is accepted.
    """
    pending = PendingPhone.get_or_none(PendingPhone.id == pending_id)
    if pending is None:
        raise NotFound(N_("That phone is no longer waiting."))
    if address and address not in (pending.address, pending.other_address):
        raise ValidationError.one("address", N_("Another address asked for this phone meanwhile; look again."))
    data = PhoneInput(pending.mac, pending.vendor, pending.model, extension_number)
    return save_phone(data, actor, bootstrap_address=address or pending.address, minutes=minutes)[0]


def allow_address(device_id, address, actor, *, minutes):
    """Reopen a phone's zero-touch window for ``address``, the address it was last refused at.

    For a phone that was reset to factory settings or moved to another address: the admin saw the
    address on the Phones page and trusts it. ``address`` must still be the one shown, so a
    request from elsewhere in between cannot take the admin's click.
    """
    if minutes <= 0:
        raise ValidationError.one("address", N_("Zero-touch provisioning is off on this appliance."))
    with database.atomic():
        device = Device.get_or_none((Device.id == device_id) & Device.mac.is_null(False))
        if device is None:
            raise NotFound(N_("Phone not found."))
        if not address or device.refused_address != address:
            raise ValidationError.one("address", N_("Another address asked for this phone meanwhile; look again."))
        before = {"address": device.bootstrap_address, "open": device.bootstrap_until is not None}
        _open_window(device, address, minutes)
        device.save()
        audit.record(actor, "phone.allow_address", "phone", device.id, device.mac, before=before,
                     after={"address": address, "zero_touch_minutes": minutes})
    return device


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


#: What ``note_pending`` made of a request: a MAC seen for the first time, the same phone asking again,
#: a known MAC asking from another address, or a new MAC not recorded because the caps are reached.
NEW, AGAIN, ELSEWHERE, CAPPED = "new", "again", "elsewhere", "capped"


def note_pending(mac, vendor, identity, address, user_agent, conf):
    """Record a phone assigned to nobody that asked for its configuration; return NEW, AGAIN, ELSEWHERE or CAPPED.

    The first address a MAC is seen at stays the pending phone's address (assigning it binds the
    zero-touch window there); a request from another address is only noted beside it for the admin.
    A new MAC is recorded while its address has fewer than PROV_PENDING_PER_ADDRESS pending phones
    and there are fewer than PROV_PENDING_MAX in all, so guessing MACs cannot fill the table.
    """
    now = utcnow()
    with database.atomic():
        pending = PendingPhone.get_or_none(PendingPhone.mac == mac)
        if pending is not None and pending.address != address:
            PendingPhone.update(other_address=address[:64], other_seen_at=now).where(
                PendingPhone.id == pending.id).execute()
            return ELSEWHERE
        fields = {"vendor": vendor, "model": identity.model[:32], "firmware": identity.firmware[:64],
                  "user_agent": user_agent[:255], "last_seen": now}
        if pending is not None:
            PendingPhone.update(requests=PendingPhone.requests + 1, **fields).where(
                PendingPhone.id == pending.id).execute()
            return AGAIN
        if (PendingPhone.select().where(PendingPhone.address == address).count() >= conf["PROV_PENDING_PER_ADDRESS"]
                or PendingPhone.select().count() >= conf["PROV_PENDING_MAX"]):
            return CAPPED
        PendingPhone.insert(mac=mac, address=address[:64], first_seen=now, **fields).on_conflict_ignore().execute()
    return NEW


def expire_pending(conf, now=None):
    """Forget pending phones silent for PROV_PENDING_HOURS and failure counts past their window; return how many phones.

    The daemon runs this periodically: a phone still waiting keeps asking, so it stays.
    """
    now = now or utcnow()
    with database.atomic():
        removed = PendingPhone.delete().where(
            PendingPhone.last_seen < now - datetime.timedelta(hours=conf["PROV_PENDING_HOURS"])).execute()
        ProvisioningBan.delete().where(
            (ProvisioningBan.window_start < now - datetime.timedelta(seconds=conf["PROV_BAN_WINDOW"]))
            & (ProvisioningBan.banned_until.is_null() | (ProvisioningBan.banned_until < now))).execute()
    if removed:
        log.info("provisioning: forgot %d pending phone(s) not seen for %d hours", removed, conf["PROV_PENDING_HOURS"])
    return removed


#: A phone asking again this soon, from the same address with the same User-Agent, is not written down again:
#: at boot it asks for three or four files in a row, and a write costs more than serving a cached file.
NOTE_FETCH_EVERY = datetime.timedelta(seconds=60)


def note_fetch(device, address, user_agent, firmware):
    """Remember when and from where a phone last fetched its files (at most once a minute while nothing changes)."""
    if (device.last_fetch_at is not None and utcnow() - device.last_fetch_at < NOTE_FETCH_EVERY
            and device.last_fetch_address == address[:64] and device.last_user_agent == user_agent[:255]
            and (not firmware or device.firmware == firmware[:64])):
        return
    fields = {"last_fetch_at": utcnow(), "last_fetch_address": address[:64], "last_user_agent": user_agent[:255]}
    if firmware:
        fields["firmware"] = firmware[:64]
    Device.update(**fields).where(Device.id == device.id).execute()


def window_admits(device, address):
    """Tell whether ``device``'s zero-touch window lets ``address`` ask without the token now.

    A window nobody is bound to yet is bound to ``address``, the first to ask. A refused address
    is remembered on the device (the Phones page shows it; the admin may allow it).
    """
    now = utcnow()
    if device.bootstrap_until is not None and device.bootstrap_until > now and not device.bootstrap_address:
        Device.update(bootstrap_address=address[:64]).where(
            (Device.id == device.id) & (Device.bootstrap_address == "")).execute()
        device = Device.get_by_id(device.id)  # another worker may have bound it first
    if device.bootstrap_until is not None and device.bootstrap_until > now and device.bootstrap_address == address:
        return True
    Device.update(refused_address=address[:64], refused_at=now).where(Device.id == device.id).execute()
    return False


def take_window(device, address):
    """Close ``device``'s window for its one tokenless fetch of its secrets; False if it closed meanwhile."""
    return bool(Device.update(bootstrap_until=None, bootstrap_address="").where(
        (Device.id == device.id) & (Device.bootstrap_until > utcnow()) & (Device.bootstrap_address == address)
    ).execute())


def is_banned(address, now=None):
    """Tell whether ``address`` is banned from the provisioning server."""
    # Every phone request runs this first: plain SQL, not a query compiled by the ORM each time.
    row = database.execute_sql(
        f"SELECT banned_until FROM provisioning_bans WHERE address = {database.param}", (address,)).fetchone()
    banned_until = ProvisioningBan.banned_until.python_value(row[0]) if row else None
    return bool(banned_until and banned_until > (now or utcnow()))


def note_failure(address, conf):
    """Count a failed request from ``address``; ban it past the limit. Return True when now banned.

    Failures are refused requests and MACs seen for the first time (a guess costs as much as a refusal).
    """
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


def blf_candidates():
    """Return ``(id, number, name)`` of the first ``DEFAULT_BLF_KEYS`` + 1 enabled extensions by number.

    Every phone's BLF keys are these less its own extension: the same list for all of them, which the
    provisioning server keeps per generation instead of asking for it once a phone.
    """
    return list(Extension.select(Extension.id, Extension.number, Extension.name).where(Extension.enabled)
                .order_by(Extension.number).limit(DEFAULT_BLF_KEYS + 1).tuples())


def phone_config(device, conf, base_url, colleagues=None):
    """Return the PhoneConfig ``device`` is provisioned with; ``base_url`` is the /prov root phones reach.

    ``colleagues``: what ``blf_candidates()`` returns, when the caller already holds it.
    """
    # Plain SQL, as find_by_token: at a power cut's storm every phone's first file renders here, and
    # the ORM's lazy ``device.extension`` cost more than the render.
    number, name = database.execute_sql(f"SELECT number, name FROM extensions WHERE id = {database.param}",
                                        (device.extension_id,)).fetchone()
    colleagues = blf_candidates() if colleagues is None else colleagues
    keys = tuple(Key("blf", other_number, other_name) for other_id, other_number, other_name in colleagues
                 if other_id != device.extension_id)[:DEFAULT_BLF_KEYS]
    engine = engine_sync.configured_engine()
    server, port = (engine.settings.bind_address, engine.settings.sip_port) if engine else (
        conf["SIP_BIND"], conf["SIP_PORT"])
    if server in ("0.0.0.0", "::"):
        server = base_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)[0]
    own = f"{base_url}/{device.prov_token}"
    return PhoneConfig(
        mac=device.mac,
        model=device.model,
        lines=(Line(device.sip_username, device.sip_password, name, number),),
        sip_server=server,
        sip_port=int(port),
        timezone=conf["TIMEZONE"],
        ntp_server=conf["NTP_SERVER"],
        language=conf["DEFAULT_LOCALE"],
        keys=keys,
        directory_url=f"{own}/directory.xml",
        firmware_url=conf["PROV_FIRMWARE"].get(f"{device.vendor}:{device.model}", ""),
        provisioning_url=own,
        admin_password=device.phone_admin_password,
    )


def common_config(model, conf, base_url):
    """Return the PhoneConfig of a model's common files: no account, no password, no token, nobody's MAC.

    What a request without the token may get: only the installation's clock and language, and
    ``base_url`` (the token-less /prov root) to come back to.
    """
    return PhoneConfig(mac="000000000000", model=model, lines=(), sip_server="", timezone=conf["TIMEZONE"],
                       ntp_server=conf["NTP_SERVER"], language=conf["DEFAULT_LOCALE"], provisioning_url=base_url)


def provisioning_url(device, conf, host=""):
    """Return the URL (token included) a phone fetches its files from, to type into it when zero-touch is off.

    PROV_BASE_URL when set; else PROV_BIND's port on ``host`` (the name the admin reached the appliance by).
    """
    if conf["PROV_BASE_URL"]:
        return f"{conf['PROV_BASE_URL'].rstrip('/')}/{device.prov_token}/"
    bind_host, _, port = conf["PROV_BIND"].rpartition(":")
    scheme = "https" if conf["PROV_CERTFILE"] else "http"
    if not host or bind_host not in ("0.0.0.0", "::", "[::]"):
        host = bind_host
    return f"{scheme}://{host}:{port}/prov/{device.prov_token}/"


def directory_entries(extension=None):
    """Return a phone's phonebook: every enabled extension, the shared contacts, and ``extension``'s own ones."""
    entries = [DirectoryEntry(other.name, other.number)
               for other in Extension.select().where(Extension.enabled).order_by(Extension.name)]
    return entries + phonebook.phone_directory(extension)


def resync(device_ids, actor):
    """Send each phone its vendor's check-sync NOTIFY through Asterisk; return how many were sent.

    A phone that is not registered cannot be reached and is skipped: it fetches its files by
    itself when it boots.
    """
    engine = control.current()
    if engine is None:
        raise ValidationError.one("engine", N_("The phone system is not running."))
    devices = list(Device.select().where(Device.id.in_(list(device_ids)) & Device.mac.is_null(False)))
    vendors_by_name = _vendors()
    notices = [(device.sip_username, vendors_by_name[device.vendor].check_sync) for device in devices
               if device.vendor in vendors_by_name]
    reached = engine.notify_phones(notices)
    for username, _ in notices:
        if username not in reached:
            log.info("resync: %s not reached (not registered)", username)
    sent = len(reached)
    audit.record(actor, "phone.resync", "phone", "", ", ".join(d.mac for d in devices)[:120],
                 after={"count": sent})
    return sent
