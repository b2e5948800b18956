"""SIP trunks: the company's carriers. Saved trunks are live after commit (one res_pjsip reload)."""
import logging
from dataclasses import dataclass, fields

from appliance import phone_numbers
from appliance.asterisk import control
from appliance.asterisk.ami import AmiError
from appliance.asterisk.confgen import trunks as rules
from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.trunks import Trunk, TrunkStatus
from appliance.services import audit, engine_sync, trunk_health
from appliance.services.extensions import in_range
from appliance.services.outbound_routes import routes_using_trunk

log = logging.getLogger(__name__)
#: Fields that send the trunk somewhere else (or stop it): what Asterisk said before is void.
WHERE_FIELDS = ("kind", "enabled", "host", "port", "transport", "username", "from_domain")

PORT_RANGE = (1, 65535)
EXPIRY_RANGE = (60, 86400)
RETRY_RANGE = (10, 3600)
CHANNELS_RANGE = (0, 10000)
QUALIFY_RANGE = (0, 3600)


@dataclass
class TrunkInput:
    """What an admin types for a trunk. ``password`` None keeps the stored one (pages never show it)."""

    name: str
    host: str
    kind: str = "registration"
    enabled: bool = True
    port: int = 5060
    transport: str = "udp"
    username: str = ""
    password: str | None = None
    from_user: str = ""
    from_domain: str = ""
    expiry: int = 600
    retry_interval: int = 60
    match: str = ""
    codecs: str = "alaw,ulaw"
    dtmf_mode: str = "rfc4733"
    max_channels: int = 0
    number_format: str = "e164"
    callerid_format: str = "e164"
    csp: str = ""
    area_code: str = ""
    default_callerid: str = ""
    nat: bool = True
    qualify_seconds: int = 60


def get_trunk(trunk_id):
    """Return the trunk with ``trunk_id`` or raise NotFound."""
    trunk = Trunk.get_or_none(Trunk.id == trunk_id)
    if trunk is None:
        raise NotFound(N_("Trunk not found."))
    return trunk


def list_trunks():
    """Return every trunk, by name."""
    return Trunk.select().order_by(Trunk.name)


def status_of(trunks):
    """Return ``{trunk id: TrunkStatus}`` for ``trunks`` (a trunk the daemon has not heard of is absent)."""
    ids = [trunk.id for trunk in trunks]
    return {row.trunk_id: row for row in TrunkStatus.select().where(TrunkStatus.trunk.in_(ids))} if ids else {}


def _text(data, name, errors, check, message, required=False):
    value = (getattr(data, name) or "").strip()
    if (value or required) and not check(value):
        errors[name] = (message, {})
    return value


def _validate(data, trunk, errors):
    clean = {}
    name = (data.name or "").strip()
    if not name:
        errors["name"] = (N_("Enter a name."), {})
    elif len(name) > 40 or not rules._LABEL.fullmatch(name):
        errors["name"] = (N_("Use at most %(max)d characters, without ;."), {"max": 40})
    elif Trunk.select().where(Trunk.name == name, Trunk.id != (trunk.id if trunk else 0)).exists():
        errors["name"] = (N_("Another trunk has this name."), {})
    clean["name"] = name
    clean["kind"] = data.kind if data.kind in rules.KINDS else errors.setdefault(
        "kind", (N_("Choose an option from the list."), {}))
    clean["enabled"] = bool(data.enabled)
    clean["host"] = _text(data, "host", errors, rules.valid_host,
                          N_("Enter the carrier's address: an IP address or a host name."), required=True)
    clean["port"] = in_range(data.port, "port", PORT_RANGE, errors)
    for name, choices in (("transport", rules.TRANSPORTS), ("dtmf_mode", rules.DTMF_MODES),
                          ("number_format", rules.NUMBER_FORMATS), ("callerid_format", rules.NUMBER_FORMATS)):
        value = getattr(data, name)
        if value not in choices:
            errors[name] = (N_("Choose an option from the list."), {})
        clean[name] = value
    user_message = N_("Use letters, digits and . + _ - only.")
    clean["username"] = _text(data, "username", errors, rules.valid_sip_user, user_message)
    clean["from_user"] = _text(data, "from_user", errors, rules.valid_sip_user, user_message)
    clean["from_domain"] = _text(data, "from_domain", errors, rules.valid_host,
                                 N_("Enter an IP address or a host name."))
    if data.password is not None:
        password = data.password
        if len(password) > 128 or not password.isprintable() or ";" in password:
            errors["password"] = (N_("Use at most 128 printable characters, without ;."), {})
        clean["password"] = password
    password = clean.get("password", trunk.password if trunk else "")
    if clean["kind"] == "registration":
        if not clean["username"]:
            errors.setdefault("username", (N_("A registration trunk needs the user name the carrier gave."), {}))
        if not password:
            errors.setdefault("password", (N_("A registration trunk needs the password the carrier gave."), {}))
    clean["expiry"] = in_range(data.expiry, "expiry", EXPIRY_RANGE, errors)
    clean["retry_interval"] = in_range(data.retry_interval, "retry_interval", RETRY_RANGE, errors)
    entries = [entry.strip() for entry in (data.match or "").replace("\n", ",").split(",") if entry.strip()]
    bad = [entry for entry in entries if not rules.valid_match(entry)]
    if bad:
        errors["match"] = (N_("Not an address, a network or a host name: %(entries)s."), {"entries": ", ".join(bad)})
    clean["match"] = ",".join(dict.fromkeys(entries))
    codecs = [codec.strip().lower() for codec in (data.codecs or "").split(",") if codec.strip()]
    if not codecs or any(codec not in rules.CODECS for codec in codecs):
        errors["codecs"] = (N_("Choose codecs among %(codecs)s."), {"codecs": ", ".join(rules.CODECS)})
    clean["codecs"] = ",".join(dict.fromkeys(codecs))
    clean["max_channels"] = in_range(data.max_channels, "max_channels", CHANNELS_RANGE, errors)
    clean["qualify_seconds"] = in_range(data.qualify_seconds, "qualify_seconds", QUALIFY_RANGE, errors)
    csp = (data.csp or "").strip()
    if csp and not (len(csp) == 2 and csp.isdigit() and csp[0] != "0"):
        errors["csp"] = (N_("The carrier selection code has two digits, e.g. 21."), {})
    if not csp and "national_csp" in (clean["number_format"], clean["callerid_format"]):
        errors["csp"] = (N_("This number format needs the carrier selection code."), {})
    clean["csp"] = csp
    area = (data.area_code or "").strip()
    if area and not phone_numbers.valid_area_code(area):
        errors["area_code"] = (N_("Enter a Brazilian area code (DDD), e.g. 11."), {})
    clean["area_code"] = area
    callerid = (data.default_callerid or "").strip()
    if callerid:
        normal = phone_numbers.normalize(callerid)
        if normal is None or not normal.startswith("+"):
            errors["default_callerid"] = (N_("Enter a phone number, e.g. +55 11 3333-4444."), {})
        callerid = normal if normal and normal.startswith("+") else callerid
    clean["default_callerid"] = callerid
    clean["nat"] = bool(data.nat)
    return clean


def _public(trunk):
    return trunk.public_fields()


def save_trunk(data, actor, trunk_id=None):
    """Create (``trunk_id`` None) or update a trunk from ``data`` (TrunkInput); live after commit."""
    with database.atomic():
        trunk = get_trunk(trunk_id) if trunk_id is not None else None
        errors = {}
        clean = _validate(data, trunk, errors)
        if errors:
            raise ValidationError(errors)
        before = _public(trunk) if trunk else None
        stored_password = trunk.password if trunk else ""
        if trunk is None:
            trunk = Trunk.create(**clean)
        else:
            for key, value in clean.items():
                setattr(trunk, key, value)
            trunk.save()
        password_changed = before is not None and data.password is not None and data.password != stored_password
        if before is not None and any(before[key] != getattr(trunk, key) for key in WHERE_FIELDS):
            trunk_health.forget(trunk.id)
        audit.record(actor, "trunk.update" if before else "trunk.create", "trunk", trunk.id, trunk.name,
                     before=before, after={**_public(trunk), **({"password": "changed"} if password_changed else {})})
        engine_sync.request([], files=True)
        if password_changed and trunk.enabled and trunk.kind == "registration":
            # The auth row is written by the sync (registered just before: callbacks run in order); a
            # new password alone changes no file, so nothing reloads: REGISTER again with it now.
            database.after_commit(lambda: _reregister(trunk.endpoint))
    return trunk


def _reregister(registration):
    engine = control.current()
    if engine is None:
        return
    try:
        engine.reregister_trunk(registration)
    except AmiError as error:  # Asterisk away: the registration's next retry uses the new password
        log.info("trunk %s not re-registered now: %s", registration, error)


def delete_trunk(trunk_id, actor):
    """Delete a trunk; live after commit."""
    with database.atomic():
        trunk = get_trunk(trunk_id)
        routes = routes_using_trunk(trunk.id)
        if routes:
            raise ValidationError.one("trunk", N_("Outbound routes still send calls to this trunk: %(routes)s. "
                                                  "Remove it from them first."), routes=", ".join(routes[:5]))
        before = _public(trunk)
        trunk.delete_instance()
        audit.record(actor, "trunk.delete", "trunk", trunk_id, before["name"], before=before)
        engine_sync.request([], files=True)


def input_fields():
    """Return the names of TrunkInput's fields (what a form or an API body may carry)."""
    return [field.name for field in fields(TrunkInput)]
