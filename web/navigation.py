"""The menu: the product's areas, each with the pages a role may open, and where you are.

Every page a person can reach from the menu is one ``Page`` line in ``SECTIONS`` (the one place
new pages register). A section with nothing the user may open is not shown.
"""
from dataclasses import dataclass

from flask import request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from appliance.models.extensions import Extension

EVERYONE = ("admin", "supervisor", "user")
ADMINS = ("admin",)


@dataclass(frozen=True)
class Page:
    """A menu entry: its endpoint, label, who may open it, and the endpoints that count as being on it."""

    endpoint: str
    label: object
    roles: tuple
    #: Endpoint prefixes of the pages reached from this one (detail and edit pages, tabs).
    within: tuple = ()

    def holds(self, endpoint):
        """Tell whether ``endpoint`` is this page or one reached from it."""
        return endpoint == self.endpoint or any(endpoint.startswith(prefix) for prefix in self.within)


@dataclass(frozen=True)
class Section:
    """One area of the product in the menu."""

    key: str
    label: object
    pages: tuple


SECTIONS = (
    Section("mine", _l("My extension"), (
        Page("panel.devices", _l("My extension"), EVERYONE,
             ("panel.settings", "panel.phonebook", "panel.call_history", "panel.voicemail",
              "panel.messages")),
        Page("panel.account", _l("My account"), EVERYONE, ("panel.account",)),
    )),
    Section("callcenter", _l("Call center"), (
        Page("callcenter.dashboard_page", _l("Live dashboard"), ("admin", "supervisor"), ("callcenter.dashboard_",)),
        Page("callcenter.agents_page", _l("Agents"), ("admin", "supervisor"), ("callcenter.agent_",)),
        Page("callcenter.reports_page", _l("Call-center reports"), ("admin", "supervisor"), ("callcenter.report",)),
        Page("callcenter.queues_list", _l("Queues"), ADMINS, ("callcenter.queue_",)),
        Page("callcenter.pause_reasons_list", _l("Pause reasons"), ADMINS, ("callcenter.pause_reason_",)),
        Page("callcenter.music_list", _l("Music on hold"), ADMINS, ("callcenter.music_",)),
        Page("callcenter.wallboards_list", _l("Wallboards"), ADMINS, ("callcenter.wallboard",)),
    )),
    Section("telephony", _l("Telephony"), (
        Page("telephony.extensions_list", _l("Extensions"), ADMINS, ("telephony.extension", "telephony.device")),
        Page("telephony.groups_list", _l("Groups"), ADMINS, ("telephony.ring_group", "telephony.pickup_group")),
        Page("telephony.phones_list", _l("Phones"), ADMINS, ("telephony.phone",)),
        Page("telephony.trunks_list", _l("Trunks"), ADMINS, ("telephony.trunk",)),
        Page("telephony.outbound_list", _l("Outbound routes"), ADMINS, ("telephony.outbound",)),
        Page("telephony.profiles_list", _l("Call profiles"), ADMINS, ("telephony.profile",)),
        Page("telephony.inbound_routes_list", _l("Inbound routes"), ADMINS, ("telephony.inbound_route",)),
        Page("telephony.blocklist_page", _l("Blacklist"), ADMINS, ("telephony.blocklist",)),
        Page("telephony.sms_list", _l("Messages (SMS)"), ADMINS, ("telephony.sms_",)),
        Page("telephony.ivrs_list", _l("IVR menus"), ADMINS, ("telephony.ivr", "telephony.prompt")),
        Page("telephony.bots_list", _l("VoiceBots"), ADMINS, ("telephony.bot",)),
        Page("telephony.speech_models_list", _l("Speech models"), ADMINS, ("telephony.speech_model",)),
        Page("telephony.schedules_list", _l("Business hours"), ADMINS, ("telephony.schedule",)),
        Page("telephony.conferences_list", _l("Conference rooms"), ADMINS, ("telephony.conference",)),
        Page("telephony.meetings_list", _l("Meetings"), ADMINS, ("telephony.meeting",)),
        Page("telephony.callbacks_list", _l("Callbacks"), ADMINS, ("telephony.callback",)),
        Page("telephony.disa_list", _l("Callback with dial tone"), ADMINS, ("telephony.disa",)),
        Page("telephony.costs_report", _l("Call costs"), ADMINS, ("telephony.costs", "telephony.cost_center",
                                                                  "telephony.trunk_rates")),
    )),
    Section("advanced", _l("Advanced"), ()),
    Section("system", _l("System"), (
        Page("admin.system", _l("Status"), ADMINS, ("admin.generation",)),
        Page("admin.users_list", _l("Users"), ADMINS, ("admin.user",)),
        Page("admin.bans_list", _l("Blocked"), ADMINS, ("admin.ban",)),
        Page("admin.audit_log", _l("Audit log"), ADMINS),
        Page("admin.mail_settings", _l("E-mail"), ADMINS, ("admin.mail",)),
        Page("admin.site_settings", _l("Site settings"), ADMINS),
        Page("admin.backups_page", _l("Backups"), ADMINS, ("admin.backups",)),
        Page("admin.tls_certificate_page", _l("TLS certificate"), ADMINS, ("admin.tls_",)),
        Page("admin.api_tokens_list", _l("API tokens"), ADMINS, ("admin.api_token",)),
        Page("admin.webhooks_list", _l("Webhooks"), ADMINS, ("admin.webhook",)),
    )),
)


@dataclass(frozen=True)
class MenuSection:
    """A section as one user sees it."""

    key: str
    label: object
    active: bool
    #: ``[(endpoint, label, active)]``
    pages: list


def _has_extension(user):
    return Extension.select().where(Extension.user == user.id).exists()


def _visible(user):
    """Return ``[(section, [page])]`` of what ``user`` may open, in menu order."""
    with_extension = None
    found = []
    for section in SECTIONS:
        pages = []
        for page in section.pages:
            if user.role not in page.roles:
                continue
            if page.endpoint == "panel.devices":
                with_extension = _has_extension(user) if with_extension is None else with_extension
                if not with_extension:
                    continue
            pages.append(page)
        if pages:
            found.append((section, pages))
    return found


def navigation():
    """Return the current user's menu: ``[MenuSection]``, the one holding this page marked active."""
    if not current_user.is_authenticated:
        return []
    current = request.endpoint or ""
    menu = []
    for section, pages in _visible(current_user):
        entries = [(page.endpoint, page.label, page.holds(current)) for page in pages]
        menu.append(MenuSection(section.key, section.label, any(active for *_, active in entries), entries))
    return menu


def home_endpoint(user):
    """Return the endpoint of the first page ``user`` sees."""
    return _visible(user)[0][1][0].endpoint
