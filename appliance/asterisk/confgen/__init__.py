"""Pure config generators: rows in, Asterisk file text out, nothing touched.

One module per Asterisk file (the model is Wazo's wazo-confgend). Collecting
rows, rendering and writing are three separate steps: ``render_all`` only
renders; the engine writes; ``realtime.sync_rows`` stores the endpoint rows
that ``pjsip.endpoint_rows`` returns.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

from . import (
    blocklist,
    bots,
    callbacks,
    conferences,
    inbound,
    ivr,
    jitsi,
    messages,
    outbound,
    queues,
    recording,
    schedules,
    supervision,
)
from .asterisk import render_asterisk_conf
from .cdr import render_cdr_conf, render_cdr_sqlite3_custom_conf
from .cel import render_cel_conf
from .defaults import render_defaults_only
from .extensions import RING_DEVICES_CONTEXT, render_extensions_conf
from .features import FeatureCodes, feature_codes_from
from .http import render_http_conf
from .indications import render_indications_conf
from .logger import render_logger_conf
from .manager import render_manager_conf
from .modules import render_modules_conf
from .musiconhold import render_musiconhold_conf
from .pjsip import (
    endpoint_rows,
    render_extconfig_conf,
    render_pjsip_conf,
    render_res_config_sqlite3_conf,
    render_sorcery_conf,
)
from .pjsip_notify import render_pjsip_notify_conf
from .rtp import render_rtp_conf
from .stasis import render_stasis_conf
from .trunks import TrunkRow, trunk_rows
from .types import ExtensionRow, RingGroupRow, SipDevice
from .voicemail import render_voicemail_conf

__all__ = ["ConfigFile", "EngineInput", "ExtensionRow", "FILES", "FeatureCodes", "RING_DEVICES_CONTEXT",
           "RingGroupRow", "SipDevice", "TrunkRow", "endpoint_rows", "feature_codes_from", "reload_of", "render_all",
           "trunk_rows"]


@dataclass(frozen=True)
class EngineInput:
    """Everything the config files are compiled from, collected once (``services.engine_rows.collect``)."""

    settings: object  # appliance.asterisk.engine.EngineSettings
    devices: tuple = ()  # anything with .username and .extension (SipDevice): BLF hints of multi-device extensions
    ring_groups: tuple = ()  # RingGroupRow
    codes: FeatureCodes = field(default_factory=FeatureCodes)
    trunks: tuple = ()  # TrunkRow
    routes: tuple = ()  # outbound.RouteRow, in route order
    profiles: tuple = ()  # outbound.ProfileRow
    inbound_routes: tuple = ()  # inbound.InboundRouteRow
    blocks: tuple = ()  # blocklist.BlockRow
    caller_names: tuple = ()  # (E.164 number, name) of the shared phonebook
    ivrs: tuple = ()  # ivr.IvrRow
    bots: tuple = ()  # bots.BotRow
    prompt_ids: tuple = ()  # ids of the prompt library's prompts (recordable by feature code)
    prompt_recorders: tuple = ()  # extension numbers of admins (who may record prompts from a phone)
    schedules: tuple = ()  # schedules.ScheduleRow
    queues: tuple = ()  # queues.QueueRow
    pause_reasons: tuple = ()  # queues.PauseReasonRow
    conferences: tuple = ()  # conferences.ConferenceRow
    spy_rights: tuple = ()  # supervision.SpyRight: who may spy on whom by feature code
    meetings: tuple = ()  # jitsi.MeetingRow: the dial-in PINs (settings.jitsi_dialin_number)
    moh_classes: tuple = ()  # musiconhold.MohClassRow: uploaded music classes and their sounds
    #: Whether any extension records (always or on demand): the call to an extension reads policies only then.
    extension_recording: bool = True
    #: The site's time zone (the TIMEZONE setting): the day international minutes are counted in.
    timezone: str = "America/Sao_Paulo"


@dataclass(frozen=True)
class ConfigFile:
    """One file Asterisk reads: how it is rendered, and the narrowest reload that applies a change to it."""

    name: str
    render: Callable[[EngineInput], str]
    #: Module (or core subsystem, as AMI's ModuleLoad names them) whose reload applies it; None: the
    #: file takes effect only when Asterisk starts.
    reload: str | None = None


def _defaults(_):
    return render_defaults_only()


#: Every file, in reload order: the logger first so later messages land in the new log setup,
#: realtime plumbing before res_pjsip, the dialplan last. A new file is one line here.
FILES = (
    ConfigFile("logger.conf", lambda source: render_logger_conf(), "logger"),
    ConfigFile("extconfig.conf", lambda source: render_extconfig_conf(), "extconfig"),
    ConfigFile("res_config_sqlite3.conf", lambda source: render_res_config_sqlite3_conf(source.settings),
               "res_config_sqlite3.so"),
    ConfigFile("acl.conf", _defaults, "acl"),
    ConfigFile("pjproject.conf", _defaults, "res_pjproject.so"),
    ConfigFile("pjsip.conf", lambda source: render_pjsip_conf(source.settings, source.trunks), "res_pjsip.so"),
    ConfigFile("pjsip_notify.conf", lambda source: render_pjsip_notify_conf(), "res_pjsip_notify.so"),
    ConfigFile("rtp.conf", lambda source: render_rtp_conf(source.settings), "res_rtp_asterisk.so"),
    ConfigFile("udptl.conf", _defaults, "udptl"),
    ConfigFile("indications.conf", lambda source: render_indications_conf(), "indications"),
    ConfigFile("manager.conf", lambda source: render_manager_conf(source.settings), "manager"),
    ConfigFile("http.conf", lambda source: render_http_conf(source.settings), "http"),
    ConfigFile("cdr.conf", lambda source: render_cdr_conf(), "cdr"),
    ConfigFile("cdr_sqlite3_custom.conf", lambda source: render_cdr_sqlite3_custom_conf(source.settings),
               "cdr_sqlite3_custom.so"),
    ConfigFile("cel.conf", lambda source: render_cel_conf(), "cel"),
    ConfigFile("voicemail.conf", lambda source: render_voicemail_conf(), "app_voicemail.so"),
    ConfigFile("features.conf", lambda source: recording.render_features_conf(source.codes), "features"),
    ConfigFile("musiconhold.conf", lambda source: render_musiconhold_conf(source.settings, source.moh_classes),
               "res_musiconhold.so"),
    # Before the dialplan: a new queue exists when its number starts sending calls to it.
    ConfigFile("queues.conf", lambda source: queues.render_queues_conf(source.queues), "app_queue.so"),
    ConfigFile("confbridge.conf", lambda source: conferences.render_confbridge_conf(source.conferences),
               "app_confbridge.so"),
    ConfigFile("extensions.conf", lambda source: render_extensions_conf(
        source.devices, source.ring_groups, source.codes,
        routing=(*outbound.contexts(source), *inbound.contexts(source), *blocklist.contexts(source),
                 *messages.contexts(source), *ivr.contexts(source), *ivr.recording_contexts(source),
                 *schedules.contexts(source, source.codes.schedule_override), *queues.contexts(source),
                 *conferences.contexts(source), *callbacks.contexts(source), *bots.contexts(source),
                 *jitsi.contexts(source.settings.jitsi_dialin_number, source.meetings),
                 *supervision.contexts(source.spy_rights, source.codes)),
        caller_contexts=tuple(profile.context for profile in source.profiles),
        numbers=(*ivr.numbers(source.ivrs), *queues.internal_numbers(source.queues),
                 *conferences.internal_numbers(source.conferences), *bots.numbers(source.bots),
                 *jitsi.internal_numbers(source.settings.jitsi_dialin_number)),
        includes=(queues.AGENT_CODES_CONTEXT, supervision.SPY_CODES_CONTEXT),
        hint_includes=(queues.AGENT_HINTS_CONTEXT,), recording=source.extension_recording),
        "pbx_config.so"),
    # Read when Asterisk starts: directories, what loads, the object-to-wizard mapping (bound when
    # res_pjsip loads), the message types never created, and ccss.conf (no reload entry point).
    ConfigFile("asterisk.conf", lambda source: render_asterisk_conf(source.settings)),
    ConfigFile("modules.conf", lambda source: render_modules_conf()),
    ConfigFile("sorcery.conf", lambda source: render_sorcery_conf()),
    ConfigFile("stasis.conf", lambda source: render_stasis_conf()),
    ConfigFile("ccss.conf", _defaults),
)
_RELOAD_OF = {file.name: file.reload for file in FILES if file.reload}


def render_all(source):
    """Return every config file compiled from ``source`` (an EngineInput): ``{name: text}``.

    Device credentials and extension settings are not in these files: they are
    realtime rows (``endpoint_rows(devices, settings.media_address, extensions)``).
    """
    return {file.name: file.render(source) for file in FILES}


def reload_of(name):
    """Return the module whose reload applies a change to file ``name``, or None (only a restart does)."""
    return _RELOAD_OF.get(name)


def reload_order():
    """Return every reloadable module once, in the order reloads must run."""
    return list(dict.fromkeys(_RELOAD_OF.values()))


def file_secrets(settings):
    """Return ``{name: value}`` of every secret ``render_all`` writes into a file.

    Kept generations store each value as its name (``apply.redact``) and get it back from
    the settings of the day when restored. A generator that writes a new secret into a
    file names it here.
    """
    return {"ami_secret": settings.ami_secret, "ami_calls_secret": settings.ami_calls_secret}
