"""Collect the config compiler's input rows from the database (no database types cross into confgen)."""
from dataclasses import dataclass

import peewee

from appliance import db, destinations
from appliance.asterisk.confgen import EngineInput, ExtensionRow, RingGroupRow, SipDevice, TrunkRow
from appliance.asterisk.confgen.blocklist import BlockRow
from appliance.asterisk.confgen.bots import BotRow
from appliance.asterisk.confgen.conferences import ConferenceRow
from appliance.asterisk.confgen.inbound import InboundRouteRow
from appliance.asterisk.confgen.ivr import IvrRow, parse_ranges
from appliance.asterisk.confgen.jitsi import MeetingRow
from appliance.asterisk.confgen.musiconhold import MohClassRow
from appliance.asterisk.confgen.outbound import PatternRow, ProfileRow, RouteRow
from appliance.asterisk.confgen.queues import PauseReasonRow, QueueMemberRow, QueueRow
from appliance.asterisk.confgen.recording import strictest
from appliance.asterisk.confgen.supervision import SpyRight
from appliance.asterisk.confgen.types import valid_pin
from appliance.asterisk.names import DEFAULT_MOH_CLASS, INTERNAL_CONTEXT, moh_class_name, profile_context
from appliance.models.bans import Ban
from appliance.models.blocklist import BlockedNumber
from appliance.models.bots import Bot, BotIntent
from appliance.models.conferences import ConferenceRoom
from appliance.models.extensions import Device, Extension
from appliance.models.groups import PickupGroup, PickupGroupMember, RingGroup, RingGroupMember
from appliance.models.inbound_routes import InboundRoute
from appliance.models.ivr import Ivr, IvrOption, Prompt
from appliance.models.meetings import JitsiMeeting
from appliance.models.moh import MohFile
from appliance.models.outbound import OutboundRoute, RoutePattern, RouteTrunk
from appliance.models.profiles import CallProfile
from appliance.models.queues import PauseReason, Queue, QueueMember
from appliance.models.trunks import Trunk
from appliance.models.users import User
from appliance.services import caller_names


def _pickup_groups(extension_ids=None):
    query = (PickupGroupMember.select(PickupGroupMember.extension, PickupGroup.name)
             .join(PickupGroup).order_by(PickupGroup.name))
    if extension_ids is not None:
        query = query.where(PickupGroupMember.extension.in_(list(extension_ids)))
    groups = {}
    for member in query:
        groups.setdefault(member.extension_id, []).append(f"pickup{member.group_id}")
    return groups


def _raw(query):
    """Return the rows of ``query`` as SQLite gives them: no per-value conversion (booleans are 0/1).

    For the collectors that read every extension: peewee's conversions cost more than the query.
    """
    return db.database.execute(query).fetchall()


def context_of(extension, default_id=None):
    """Return the dialplan context ``extension``'s devices start their calls in: its call profile's."""
    return _context(extension.profile_id, default_id)


def _context(profile_id, default_id=None):
    profile_id = profile_id or default_id or default_profile_id()
    return profile_context(profile_id) if profile_id else INTERNAL_CONTEXT


def default_profile_id():
    """Return the id of the default call profile (None only before the migrations ran)."""
    row = CallProfile.select(CallProfile.id).where(CallProfile.is_default).first()
    return row.id if row else None


def engine_devices(usernames=None, enabled_only=True, numbers=None):
    """Return SIP devices as SipDevice rows: of enabled extensions, or all; optionally some usernames or numbers.

    Read as plain tuples of the columns used: model objects cost seconds at 10,000 devices (a full sync).
    """
    query = (Device.select(Device.sip_username, Device.sip_password, Device.extension, Extension.number,
                           Extension.name, Extension.external_callerid, Extension.voicemail_enabled,
                           Extension.profile, Device.kind)
             .join(Extension).order_by(Extension.number, Device.id))
    if enabled_only:
        query = query.where(Extension.enabled)
    if usernames is not None:
        query = query.where(Device.sip_username.in_(sorted(usernames)))
    if numbers is not None:
        query = query.where(Extension.number.in_(sorted(numbers)))
    devices = _raw(query)
    scoped = usernames is not None or numbers is not None
    # Every device: all memberships at once, not an IN list of every extension (SQLite caps its variables).
    groups = _pickup_groups({row[2] for row in devices} if scoped else None) if devices else {}
    refused = Ban.refused_addresses({row[0] for row in devices} if scoped else None) if devices else {}
    default_id = default_profile_id()
    return [
        SipDevice(
            username=username,
            context=_context(profile_id, default_id),
            external_callerid=external_callerid,
            password=password,
            extension=number,
            display_name=name,
            pickup_groups=tuple(groups.get(extension_id, ())),
            voicemail=bool(voicemail),
            refused_from=tuple(refused.get(username, ())),
            webrtc=kind == "webrtc",
        )
        for username, password, extension_id, number, name, external_callerid, voicemail, profile_id, kind
        in devices
    ]


def engine_extensions(numbers=None):
    """Return enabled extensions as ExtensionRow rows (all, or those with ``numbers``), read as plain tuples."""
    query = (Extension.select(Extension.number, Extension.profile, Extension.external_callerid, Extension.name,
                              Extension.voicemail_enabled, Extension.voicemail_pin, Extension.max_calls,
                              Extension.ring_seconds, Extension.language, Extension.recording,
                              Extension.recording_prompt)
             .where(Extension.enabled).order_by(Extension.number))
    if numbers is not None:
        query = query.where(Extension.number.in_(sorted(numbers)))
    default_id = default_profile_id()
    # The realtime row carries the extension's effective policy: the strictest of its own and its profile's
    # (decision 036), so the dialplan reads one column for both, as before.
    profile_policy = {profile_id: (policy, prompt or 0) for profile_id, policy, prompt in CallProfile.select(
        CallProfile.id, CallProfile.recording, CallProfile.recording_prompt).tuples()}
    return [
        ExtensionRow(
            number=number,
            context=_context(profile_id, default_id),
            external_callerid=external_callerid,
            name=name,
            # A mailbox without a valid PIN would be open to anyone: it stays closed instead
            # (rows written straight into the table, or by an old version, can lack one).
            voicemail=bool(voicemail) and valid_pin(pin),
            voicemail_pin=pin,
            max_calls=max_calls,
            ring_seconds=ring_seconds,
            language=language,
            recording=strictest(recording, profile_policy.get(profile_id or default_id, ("never", 0))[0]),
            # Its own announcement, else its profile's (heard only where a policy starts a recording).
            record_prompt=prompt or profile_policy.get(profile_id or default_id, ("never", 0))[1],
        )
        for (number, profile_id, external_callerid, name, voicemail, pin, max_calls, ring_seconds, language, recording,
             prompt) in _raw(query)
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


def engine_inbound_routes():
    """Return every inbound route as an InboundRouteRow (a destination gone: hang up)."""
    return [InboundRouteRow(did=route.did, caller=route.caller, caller_kind=route.caller_kind, name="",
                            destination=destinations.find(route.destination) or destinations.HANGUP,
                            recording=route.recording,
                            recording_prompt=route.recording_prompt_id or 0)
            for route in InboundRoute.select().order_by(InboundRoute.id)]


def engine_blocks():
    """Return every blacklist entry as a BlockRow (system-wide and per extension)."""
    query = (BlockedNumber.select(BlockedNumber, Extension).join(Extension, peewee.JOIN.LEFT_OUTER)
             .order_by(BlockedNumber.id))
    return [BlockRow(direction=row.direction, match=row.match, number=row.number,
                     extension=row.extension.number if row.extension_id else "")
            for row in query]


def engine_profiles():
    """Return every call profile as a ProfileRow, by id."""
    return [ProfileRow(id=p.id, name=p.name, classes=p.class_list, max_per_extension=p.max_external_per_extension,
                       max_total=p.max_external_total, international_minutes=p.international_minutes_per_day,
                       is_default=p.is_default)
            for p in CallProfile.select().order_by(CallProfile.id)]


def engine_routes():
    """Return every outbound route as a RouteRow, in route order (patterns and trunks in their order)."""
    patterns, trunks = {}, {}
    for row in RoutePattern.select().order_by(RoutePattern.route, RoutePattern.position, RoutePattern.id):
        patterns.setdefault(row.route_id, []).append(
            PatternRow(pattern=row.pattern, strip=row.strip, prepend=row.prepend, result=row.result))
    for row in RouteTrunk.select().order_by(RouteTrunk.route, RouteTrunk.position, RouteTrunk.id):
        trunks.setdefault(row.route_id, []).append(row.trunk_id)
    return [RouteRow(id=route.id, name=route.name, permission_class=route.permission_class,
                     patterns=tuple(patterns.get(route.id, ())), trunks=tuple(trunks.get(route.id, ())),
                     callerid=route.callerid, enabled=route.enabled, recording=route.recording,
                     recording_prompt=route.recording_prompt_id or 0)
            for route in OutboundRoute.select().order_by(OutboundRoute.position, OutboundRoute.id)]


def engine_ivrs():
    """Return every IVR menu as an IvrRow (a destination gone: hang up; unreadable ranges: no direct dial)."""
    options = {}
    for option in IvrOption.select().order_by(IvrOption.ivr, IvrOption.key):
        destination = destinations.find(option.destination) or destinations.HANGUP
        options.setdefault(option.ivr_id, []).append((option.key, destination))
    rows = []
    for ivr in Ivr.select().order_by(Ivr.id):
        try:
            ranges = tuple(parse_ranges(ivr.direct_ranges))
        except ValueError:
            ranges = None
        rows.append(IvrRow(id=ivr.id, name=ivr.name, number=ivr.number, greeting=ivr.greeting_id,
                           timeout_seconds=ivr.timeout_seconds, timeout_prompt=ivr.timeout_prompt_id,
                           timeout_retries=ivr.timeout_retries, invalid_prompt=ivr.invalid_prompt_id,
                           invalid_retries=ivr.invalid_retries,
                           final=destinations.find(ivr.final_destination) or destinations.HANGUP,
                           options=tuple(options.get(ivr.id, ())), direct_dial=ivr.direct_dial and ranges is not None,
                           direct_ranges=ranges or ()))
    return rows


def engine_bots(settings):
    """Return every VoiceBot as a BotRow (a destination gone: hang up), served at ``settings.voicebot_address``."""
    intents = {}
    for intent in BotIntent.select().order_by(BotIntent.bot, BotIntent.position):
        intents.setdefault(intent.bot_id, []).append(
            (intent.position, destinations.find(intent.destination) or destinations.HANGUP))
    return [BotRow(id=bot.id, name=bot.name, number=bot.number, intents=tuple(intents.get(bot.id, ())),
                   fallback=destinations.find(bot.fallback_destination) or destinations.HANGUP,
                   server=settings.voicebot_address)
            for bot in Bot.select().order_by(Bot.id)]


def prompt_recorders():
    """Return the numbers of the extensions admins own: they may record prompts from their phones."""
    query = (Extension.select(Extension.number).join(User, on=(Extension.user == User.id))
             .where(User.role == "admin").order_by(Extension.number))
    return tuple(row.number for row in query)


def engine_queues():
    """Return every queue as a QueueRow, members in their order (a destination gone: hang up)."""
    members = {}
    query = (QueueMember.select(QueueMember, Extension).join(Extension)
             .order_by(QueueMember.queue, QueueMember.position, QueueMember.id))
    for member in query:
        members.setdefault(member.queue_id, []).append(
            QueueMemberRow(member.extension.number, member.penalty, member.static))

    def destination(text):
        return destinations.find(text) or destinations.HANGUP

    # A class without sounds is not in musiconhold.conf: its queues play the bundled music meanwhile.
    playable = {moh_class_name(row.id) for row in engine_moh_classes()}
    return [
        QueueRow(id=queue.id, number=queue.number, name=queue.name, members=tuple(members.get(queue.id, ())),
                 strategy=queue.strategy, ring_seconds=queue.ring_seconds, retry_seconds=queue.retry_seconds,
                 wrapup_seconds=queue.wrapup_seconds, max_wait_seconds=queue.max_wait_seconds,
                 timeout_destination=destination(queue.timeout_destination), max_callers=queue.max_callers,
                 full_destination=destination(queue.full_destination), join_empty=queue.join_empty,
                 leave_empty=queue.leave_empty, empty_destination=destination(queue.empty_destination),
                 moh_class=queue.moh_class if queue.moh_class in playable else DEFAULT_MOH_CLASS,
                 announce_seconds=queue.announce_seconds,
                 announce_position=queue.announce_position, announce_holdtime=queue.announce_holdtime,
                 periodic_announce=queue.periodic_announce, periodic_seconds=queue.periodic_seconds,
                 exit_key=queue.exit_key, exit_destination=destination(queue.exit_destination),
                 recording=queue.recording, recording_prompt=queue.recording_prompt_id or 0)
        for queue in Queue.select().order_by(Queue.id)
    ]


def engine_moh_classes():
    """Return a MohClassRow per uploaded music class that has sounds (the others are left out of the file)."""
    files = {}
    for class_id, file_id in MohFile.select(MohFile.moh_class, MohFile.id).order_by(MohFile.id).tuples():
        files.setdefault(class_id, []).append(file_id)
    return [MohClassRow(class_id, tuple(ids)) for class_id, ids in sorted(files.items())]


def engine_spy_rights():
    """Return a SpyRight per supervisor's (or admin's) extension: the agents of the queues they may watch."""
    from appliance.services import supervision  # it reads the live snapshots too; only its queue rules here

    watchers = (Extension.select(Extension, User).join(User, on=(Extension.user == User.id))
                .where(User.role.in_(["admin", "supervisor"]), User.active).order_by(Extension.number))
    agents_of = {extension.number: supervision.agent_numbers(supervision.visible_queues(extension.user))
                 for extension in watchers}
    # Only the agents' devices: every file compile runs this, and reading all 10,000 cost a tenth of an edit.
    wanted = sorted(set().union(*agents_of.values())) if agents_of else []
    devices = {}
    for start in range(0, len(wanted), 500):
        for username, number in (Device.select(Device.sip_username, Extension.number).join(Extension)
                                 .where(Extension.number.in_(wanted[start:start + 500])).order_by(Device.id).tuples()):
            devices.setdefault(number, username)  # the main device: the one app_queue follows
    return [SpyRight(number, tuple((agent, devices[agent]) for agent in sorted(agents) if agent in devices))
            for number, agents in agents_of.items()]


def engine_pause_reasons():
    """Return every pause reason as a PauseReasonRow, by code."""
    return [PauseReasonRow(reason.code, reason.name) for reason in PauseReason.select().order_by(PauseReason.code)]


def engine_conferences():
    """Return every conference room as a ConferenceRow, by id."""
    return [ConferenceRow(id=room.id, number=room.number, name=room.name, pin=room.pin,
                          moderator_pin=room.moderator_pin, wait_for_moderator=room.wait_for_moderator,
                          max_members=room.max_members, video=room.video, announce=room.announce)
            for room in ConferenceRoom.select().order_by(ConferenceRoom.id)]


def engine_meetings():
    """Return every Jitsi meeting's dial-in PIN and room as a MeetingRow (a deleted meeting's PIN goes with it)."""
    return [MeetingRow(pin=meeting.dialin_pin, room_name=meeting.room_name)
            for meeting in JitsiMeeting.select(JitsiMeeting.dialin_pin, JitsiMeeting.room_name)
            .order_by(JitsiMeeting.dialin_pin)]


@dataclass(frozen=True)
class HintDevice:
    """A device as the dialplan's BLF hints see it: its user name and its extension's number."""

    username: str
    extension: str


def hint_devices():
    """Return the devices of extensions the BLF pattern hint does not cover, as HintDevices by number.

    The pattern hint serves an extension whose one device is named after its number (the usual
    case); only the others need a hint line, so only their devices are read: a file change at
    10,000 extensions must not read 10,000 rows to write none of them. Plain tuples, no model
    objects (credentials and settings are realtime rows, not files).
    """
    Other = Device.alias()
    uncovered = (Other.select(Other.extension).join(Extension, on=(Other.extension == Extension.id))
                 .where(Other.sip_username != Extension.number))
    query = (Device.select(Device.sip_username, Extension.number).join(Extension)
             .where(Device.extension.in_(uncovered)).order_by(Extension.number, Device.id).tuples())
    return tuple(HintDevice(username, number) for username, number in query)


def extension_recording():
    """Tell whether any extension records its calls (always or on demand), by its own or its profile's policy."""
    return (Extension.select().where(Extension.recording != "never").exists()
            or CallProfile.select().where(CallProfile.recording != "never").exists())


def collect(settings, codes, timezone="America/Sao_Paulo"):
    """Return the EngineInput the config files are compiled from: ``settings``, the database's rows, ``codes``.

    ``timezone``: the site's (the day international minutes are counted in).
    """
    from appliance.services import schedules  # it validates names as extensions do, which sync the engine
    return EngineInput(settings, hint_devices(), tuple(engine_ring_groups()), codes, trunks=tuple(engine_trunks()),
                       routes=tuple(engine_routes()), profiles=tuple(engine_profiles()),
                       inbound_routes=tuple(engine_inbound_routes()), blocks=tuple(engine_blocks()),
                       caller_names=caller_names.compiled(), ivrs=tuple(engine_ivrs()),
                       bots=tuple(engine_bots(settings)),
                       prompt_ids=tuple(row.id for row in Prompt.select(Prompt.id).order_by(Prompt.id)),
                       prompt_recorders=prompt_recorders(), schedules=tuple(schedules.engine_schedules()),
                       queues=tuple(engine_queues()), pause_reasons=tuple(engine_pause_reasons()),
                       conferences=tuple(engine_conferences()), spy_rights=tuple(engine_spy_rights()),
                       meetings=tuple(engine_meetings()),
                       extension_recording=extension_recording(), moh_classes=tuple(engine_moh_classes()),
                       timezone=timezone)
