"""Render SIP trunks: endpoint, AOR and auth as realtime rows, identify and registration in pjsip.conf.

A trunk is a handful of objects named ``trunk_<id>`` (names.trunk_object). Its endpoint, AOR and
auth are realtime rows beside the devices' (decision 014): an edit is live at the next SIP request
and needs no ``res_pjsip.so`` reload, whose qualify pass over every device takes seconds at
10,000 of them; the AOR's qualify follows with ``pjsip reload qualify aor`` (EngineControl). The
password is therefore in no file and no kept generation. Identify and registration stay in
pjsip.conf, where their own modules reload them alone in milliseconds.
"""
import ipaddress
import re
from dataclasses import dataclass

from appliance.asterisk.names import FROM_TRUNK_CONTEXT, TRUNK_GROUP, trunk_object

#: Realtime tables of the trunks' objects: the devices' (sorcery reads one realtime table per type).
TRUNK_TABLES = ("ps_endpoints", "ps_aors", "ps_auths")
#: Every trunk object's id starts so (names.trunk_object); device user names cannot.
TRUNK_PREFIX = "trunk_"
KINDS = ("registration", "ip")
TRANSPORTS = ("udp", "tcp")
DTMF_MODES = ("rfc4733", "inband", "info", "auto")
#: How a number is written for the carrier (the number dialled, and the caller ID it is sent):
#: +5511…, 5511…, 011… (national prefix and area code), 0 + CSP + 11… (carrier selection code).
NUMBER_FORMATS = ("e164", "e164_plain", "national", "national_csp")
CODECS = ("alaw", "ulaw", "g729", "g722", "gsm", "opus")
#: Registrations retried for ever: a carrier down for a day comes back on its own.
REGISTRATION_RETRIES = 100000

_HOST = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*\.?")
# SIP user parts the carrier gives: no separators the config parser or a URI would read.
_SIP_USER = re.compile(r"[A-Za-z0-9.+_-]{1,64}")
_LABEL = re.compile(r'[^\x00-\x1f\x7f;]{1,40}')
_DIGITS = re.compile(r"[0-9]*")


def valid_host(text):
    """Return whether ``text`` is an IPv4/IPv6 address or a DNS name."""
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return bool(_HOST.fullmatch(text or ""))


def valid_match(text):
    """Return whether ``text`` is what ``identify match=`` takes: an address, a network or a host name."""
    try:
        ipaddress.ip_network(text, strict=False)
        return True
    except ValueError:
        return valid_host(text)


def valid_sip_user(text):
    """Return whether ``text`` may be a SIP user part (user name, from-user)."""
    return bool(_SIP_USER.fullmatch(text or ""))


@dataclass(frozen=True)
class TrunkRow:
    """What Asterisk needs about one trunk (``appliance.models.trunks.Trunk``, validated again here)."""

    id: int
    name: str
    host: str
    kind: str = "registration"
    port: int = 5060
    transport: str = "udp"
    username: str = ""
    password: str = ""
    from_user: str = ""
    from_domain: str = ""
    expiry: int = 600
    retry_interval: int = 60
    match: tuple = ()
    codecs: tuple = ("alaw", "ulaw")
    dtmf_mode: str = "rfc4733"
    max_channels: int = 0
    number_format: str = "e164"
    callerid_format: str = "e164"
    csp: str = ""
    area_code: str = ""
    default_callerid: str = ""
    nat: bool = True
    qualify_seconds: int = 60
    enabled: bool = True

    def __post_init__(self):
        checks = {
            "name": _LABEL.fullmatch(self.name),
            "host": valid_host(self.host),
            "kind": self.kind in KINDS,
            "port": 1 <= self.port <= 65535,
            "transport": self.transport in TRANSPORTS,
            "username": not self.username or valid_sip_user(self.username),
            "password": self.password.isprintable() and ";" not in self.password,
            "from_user": not self.from_user or valid_sip_user(self.from_user),
            "from_domain": not self.from_domain or valid_host(self.from_domain),
            "expiry": 60 <= self.expiry <= 86400,
            "retry_interval": 10 <= self.retry_interval <= 3600,
            "match": all(valid_match(entry) for entry in self.match),
            "codecs": bool(self.codecs) and all(codec in CODECS for codec in self.codecs),
            "dtmf_mode": self.dtmf_mode in DTMF_MODES,
            "max_channels": 0 <= self.max_channels <= 10000,
            "number_format": self.number_format in NUMBER_FORMATS,
            "callerid_format": self.callerid_format in NUMBER_FORMATS,
            "csp": len(self.csp) in (0, 2) and _DIGITS.fullmatch(self.csp),
            "area_code": len(self.area_code) in (0, 2) and _DIGITS.fullmatch(self.area_code),
            "default_callerid": re.fullmatch(r"(\+?[0-9]{2,20})?", self.default_callerid),
            "qualify_seconds": 0 <= self.qualify_seconds <= 3600,
        }
        wrong = [name for name, ok in checks.items() if not ok]
        if wrong:
            raise ValueError(f"trunk {self.id}: invalid {', '.join(wrong)}")
        if self.kind == "registration" and not (self.username and self.password):
            raise ValueError(f"trunk {self.id}: a registration trunk needs a user name and a password")

    @property
    def object(self):
        """The PJSIP object name (names.trunk_object)."""
        return trunk_object(self.id)


def _uri_host(host, port):
    return (f"[{host}]" if ":" in host else host) + f":{port}"


def registration_uris(trunk):
    """Return ``(server_uri, client_uri)`` of a registration trunk (TrunkRow).

    Asterisk's ``Registry`` events name a registration by these two (Domain, Username), not by
    its object name: the daemon finds the trunk an event is about with this same function.
    """
    where = _uri_host(trunk.host, trunk.port)
    return f"sip:{where}", f"sip:{trunk.username}@{trunk.from_domain or where}"


def _section(name, kind, *options):
    lines = [f"[{name}]", f"type = {kind}"]
    lines += [f"{key} = {value}" for key, value in options if value not in (None, "")]
    return "\n".join(lines) + "\n"


def trunk_rows(trunks, media_address=None):
    """Return ``{table: [row, ...]}`` (TRUNK_TABLES): endpoint, AOR and auth of every enabled trunk.

    Synced with ``only_ids`` naming the trunk ids (``TRUNK_PREFIX``), so devices' rows are untouched.
    """
    rows = {table: [] for table in TRUNK_TABLES}
    for trunk in sorted(trunks, key=lambda t: t.id):
        if not trunk.enabled:
            continue
        name = trunk.object
        auth = name if trunk.username and trunk.password else None
        nat = "yes" if trunk.nat else "no"
        # Every number column has a value: a fetch of many rows (Asterisk's qualify pass) hands NULL
        # over as "", which a number option refuses, and the whole AOR with it (pjsip.AOR_NUMBERS).
        rows["ps_aors"].append({
            "id": name,
            "contact": f"sip:{_uri_host(trunk.host, trunk.port)}",
            "max_contacts": 0,
            "qualify_frequency": trunk.qualify_seconds,
            "qualify_timeout": 3.0,
        })
        rows["ps_endpoints"].append({
            "id": name,
            "transport": f"transport-{trunk.transport}",
            "context": FROM_TRUNK_CONTEXT,
            "aors": name,
            "outbound_auth": auth,
            "from_user": trunk.from_user or (trunk.username if trunk.kind == "registration" else "") or None,
            "from_domain": trunk.from_domain or None,
            "disallow": "all",
            "allow": ",".join(trunk.codecs),
            "dtmf_mode": trunk.dtmf_mode,
            # Media stays in Asterisk: recordings, transfers and NAT stay simple.
            "direct_media": "no",
            "rtp_symmetric": nat,
            "force_rport": nat,
            "rewrite_contact": nat,
            # Found by source address (identify in pjsip.conf) or registration line, never by a From
            # user name a stranger can type.
            "identify_by": "ip",
            # Never callerid here: it would replace every caller's number (notes/routing-br.md 3.3).
            "set_var": f"GROUP({TRUNK_GROUP})={name}",
            # The caller ID goes in P-Asserted-Identity as well as From: carriers read one or the other.
            "send_pai": "yes",
            # No mid-call re-INVITE to the carrier each time the party on our side changes (answered,
            # transferred): it told the outside which extension and name took the call, and a carrier
            # that refuses a re-INVITE may drop the call. Caught by a SIPp carrier that got one.
            "send_connected_line": "no",
            "language": "pt_BR",
            "media_address": media_address,
            "bind_rtp_to_media_address": "yes" if media_address else None,
        })
        if auth:
            rows["ps_auths"].append({"id": name, "auth_type": "digest", "username": trunk.username,
                                     "password": trunk.password})
    return rows


def render_trunk_sections(trunks):
    """Return the pjsip.conf text (identify and registration) of every enabled trunk in ``trunks`` (TrunkRow)."""
    blocks = []
    for trunk in sorted(trunks, key=lambda t: t.id):
        if not trunk.enabled:
            continue
        name = trunk.object
        transport = f"transport-{trunk.transport}"
        auth = name if trunk.username and trunk.password else None
        blocks.append(f"; trunk {trunk.id}: {trunk.name}\n")
        blocks.append(_section(
            name, "identify",
            ("endpoint", name),
            ("match", ",".join((trunk.host, *trunk.match))),
        ))
        if trunk.kind == "registration":
            server_uri, client_uri = registration_uris(trunk)
            blocks.append(_section(
                name, "registration",
                ("transport", transport),
                ("outbound_auth", auth),
                ("server_uri", server_uri),
                ("client_uri", client_uri),
                # Calls to the account come back to the user name the carrier knows.
                ("contact_user", trunk.username),
                ("expiration", trunk.expiry),
                ("retry_interval", trunk.retry_interval),
                ("forbidden_retry_interval", trunk.retry_interval),
                ("fatal_retry_interval", trunk.retry_interval),
                ("auth_rejection_permanent", "no"),
                ("max_retries", REGISTRATION_RETRIES),
                # Asterisk waits 1 s plus a random 0-N s before the first REGISTER of a new or
                # edited registration (spreading thousands of them); a few trunks need no spreading.
                ("max_random_initial_delay", 0),
                # ";line=" in our Contact finds the trunk when the carrier calls from another address.
                ("line", "yes"),
                ("endpoint", name),
            ))
    return "\n".join(blocks)
