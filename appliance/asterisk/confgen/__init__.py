"""Pure config generators: rows in, Asterisk file text out, nothing touched.

One module per Asterisk file (the model is Wazo's wazo-confgend). Collecting
rows, rendering and writing are three separate steps: ``render_all`` only
renders; the engine writes; ``realtime.sync_rows`` stores the endpoint rows
that ``pjsip.endpoint_rows`` returns.
"""
from .asterisk import render_asterisk_conf
from .cdr import render_cdr_conf, render_cdr_sqlite3_custom_conf
from .cel import render_cel_conf
from .defaults import DEFAULTS_ONLY, render_defaults_only
from .extensions import RING_DEVICES_CONTEXT, render_extensions_conf
from .features import FeatureCodes, feature_codes_from
from .http import render_http_conf
from .indications import render_indications_conf
from .logger import render_logger_conf
from .manager import render_manager_conf
from .modules import render_modules_conf
from .pjsip import (
    endpoint_rows,
    render_extconfig_conf,
    render_pjsip_conf,
    render_res_config_sqlite3_conf,
    render_sorcery_conf,
)
from .pjsip_notify import render_pjsip_notify_conf
from .rtp import render_rtp_conf
from .types import ExtensionRow, RingGroupRow, SipDevice
from .voicemail import render_voicemail_conf

__all__ = ["ExtensionRow", "FeatureCodes", "RING_DEVICES_CONTEXT", "RingGroupRow", "SipDevice",
           "endpoint_rows", "feature_codes_from", "render_all"]


def render_all(settings, devices, ring_groups=(), codes=None):
    """Return every config file for ``settings``, ``devices``, ``ring_groups`` and feature ``codes``.

    Device credentials and extension settings are not in these files: they are
    realtime rows (``endpoint_rows(devices, settings.media_address, extensions)``).
    """
    files = {
        "asterisk.conf": render_asterisk_conf(settings),
        "modules.conf": render_modules_conf(),
        "logger.conf": render_logger_conf(),
        "manager.conf": render_manager_conf(settings),
        "rtp.conf": render_rtp_conf(settings),
        "http.conf": render_http_conf(settings),
        "cdr.conf": render_cdr_conf(),
        "cdr_sqlite3_custom.conf": render_cdr_sqlite3_custom_conf(settings),
        "cel.conf": render_cel_conf(),
        "indications.conf": render_indications_conf(),
        "pjsip.conf": render_pjsip_conf(settings),
        "pjsip_notify.conf": render_pjsip_notify_conf(),
        "sorcery.conf": render_sorcery_conf(),
        "extconfig.conf": render_extconfig_conf(),
        "res_config_sqlite3.conf": render_res_config_sqlite3_conf(settings),
        "extensions.conf": render_extensions_conf(devices, ring_groups, codes),
        "voicemail.conf": render_voicemail_conf(),
    }
    files.update((name, render_defaults_only()) for name in DEFAULTS_ONLY)
    return files


def file_secrets(settings):
    """Return ``{name: value}`` of every secret ``render_all`` writes into a file.

    Kept generations store each value as its name (``apply.redact``) and get it back from
    the settings of the day when restored. A generator that writes a new secret into a
    file names it here.
    """
    return {"ami_secret": settings.ami_secret, "ami_calls_secret": settings.ami_calls_secret}
