"""Collect the config compiler's input rows from the database (no database types cross into confgen)."""
from peewee import fn

from appliance import destinations
from appliance.asterisk.confgen import EngineInput, ExtensionRow, RingGroupRow, SipDevice, TrunkRow
from appliance.asterisk.confgen.types import valid_pin
from appliance.models.bans import Ban
from appliance.models.extensions import Device, Extension
from appliance.models.groups import PickupGroup, PickupGroupMember, RingGroup, RingGroupMember
from appliance.models.trunks import Trunk


def _pickup_groups(extension_ids=None):
    query = (PickupGroupMember.select(PickupGroupMember.extension, PickupGroup.name)
             .join(PickupGroup).order_by(PickupGroup.name))
    if extension_ids is not None:
        query = query.where(PickupGroupMember.extension.in_(list(extension_ids)))
    groups = {}
    for member in query:
        groups.setdefault(member.extension_id, []).append(f"pickup{member.group_id}")
    return groups


def engine_devices(usernames=None, enabled_only=True, numbers=None):
    """Return SIP devices as SipDevice rows: of enabled extensions, or all; optionally some usernames or numbers."""
    query = Device.select(Device, Extension).join(Extension).order_by(Extension.number, Device.id)
    if enabled_only:
        query = query.where(Extension.enabled)
    if usernames is not None:
        query = query.where(Device.sip_username.in_(sorted(usernames)))
    if numbers is not None:
        query = query.where(Extension.number.in_(sorted(numbers)))
    devices = list(query)
    scoped = usernames is not None or numbers is not None
    # Every device: all memberships at once, not an IN list of every extension (SQLite caps its variables).
    groups = _pickup_groups({device.extension_id for device in devices} if scoped else None) if devices else {}
    refused = Ban.refused_addresses({device.sip_username for device in devices} if scoped else None) \
        if devices else {}
    return [
        SipDevice(
            username=device.sip_username,
            password=device.sip_password,
            extension=device.extension.number,
            display_name=device.extension.name,
            pickup_groups=tuple(groups.get(device.extension_id, ())),
            voicemail=device.extension.voicemail_enabled,
            refused_from=tuple(refused.get(device.sip_username, ())),
        )
        for device in devices
    ]


def engine_extensions(numbers=None):
    """Return enabled extensions as ExtensionRow rows (all, or those with ``numbers``)."""
    query = Extension.select().where(Extension.enabled).order_by(Extension.number)
    if numbers is not None:
        query = query.where(Extension.number.in_(sorted(numbers)))
    return [
        ExtensionRow(
            number=extension.number,
            name=extension.name,
            # A mailbox without a valid PIN would be open to anyone: it stays closed instead
            # (rows written straight into the table, or by an old version, can lack one).
            voicemail=extension.voicemail_enabled and valid_pin(extension.voicemail_pin),
            voicemail_pin=extension.voicemail_pin,
            max_calls=extension.max_calls,
            ring_seconds=extension.ring_seconds,
            language=extension.language,
        )
        for extension in query
    ]


def engine_ring_groups():
    """Return every ring group as a RingGroupRow, members in hunt order."""
    members = {}
    query = (RingGroupMember.select(RingGroupMember, Extension).join(Extension)
             .order_by(RingGroupMember.group, RingGroupMember.position))
    for member in query:
        members.setdefault(member.group_id, []).append(member.extension.number)
    return [
        RingGroupRow(number=group.number, name=group.name, members=tuple(members.get(group.id, ())),
                     strategy=group.strategy, ring_seconds=group.ring_seconds,
                     member_seconds=group.member_seconds,
                     destination=destinations.find(group.destination) or destinations.HANGUP)
        for group in RingGroup.select().order_by(RingGroup.number)
    ]


def engine_trunks():
    """Return every trunk as a TrunkRow (disabled ones too: they render nothing), by id."""
    return [
        TrunkRow(
            id=trunk.id, name=trunk.name, host=trunk.host, kind=trunk.kind, port=trunk.port,
            transport=trunk.transport, username=trunk.username, password=trunk.password,
            from_user=trunk.from_user, from_domain=trunk.from_domain, expiry=trunk.expiry,
            retry_interval=trunk.retry_interval,
            match=tuple(entry.strip() for entry in trunk.match.split(",") if entry.strip()),
            codecs=tuple(codec.strip() for codec in trunk.codecs.split(",") if codec.strip()),
            dtmf_mode=trunk.dtmf_mode, max_channels=trunk.max_channels, number_format=trunk.number_format,
            callerid_format=trunk.callerid_format, csp=trunk.csp, area_code=trunk.area_code,
            default_callerid=trunk.default_callerid, nat=trunk.nat, qualify_seconds=trunk.qualify_seconds,
            enabled=trunk.enabled,
        )
        for trunk in Trunk.select().order_by(Trunk.id)
    ]


def engine_hint_devices():
    """Return the devices the files name one by one: those of extensions with several devices, or whose device
    is not named by the number (a pattern hint serves every other one, confgen/extensions.py)."""
    several = Device.select(Device.extension).group_by(Device.extension).having(fn.COUNT(Device.id) > 1)
    query = (Device.select(Device.sip_username).join(Extension)
             .where(Device.extension.in_(several) | (Device.sip_username != Extension.number)))
    usernames = {device.sip_username for device in query}
    return engine_devices(usernames=usernames, enabled_only=False) if usernames else []


def collect(settings, codes):
    """Return the EngineInput the config files are compiled from: ``settings``, the database's rows, ``codes``.

    Only the devices the files name one by one: reading all 10,000 cost 0.4 s of every file change.
    """
    return EngineInput(settings, tuple(engine_hint_devices()), tuple(engine_ring_groups()), codes,
                       trunks=tuple(engine_trunks()))
