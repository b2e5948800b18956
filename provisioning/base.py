"""What every vendor module works with: the phone's settings in, the files it asks for out.

A vendor module (``provisioning/vendors/<vendor>.py``) is a subclass of ``Vendor``
with its templates in ``provisioning/templates/<vendor>/``. Templates are resolved
from most to least specific (STYLE.md point 9, as Wazo's provd does):
``overrides/<mac>/<template>`` (per-device override, from the admin), then
``<vendor>/<model family>/<template>``, then ``<vendor>/base/<template>``.
Rendering is pure: a PhoneConfig in, bytes out; no database, no Flask.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree

import jinja2

TEMPLATES = Path(__file__).parent / "templates"
MAC_RE = re.compile(r"[0-9a-f]{12}")


def normalize_mac(text):
    """Return ``text`` as 12 lowercase hex digits (accepts ``:``/``-``/``.`` separators), or None."""
    mac = re.sub(r"[^0-9a-fA-F]", "", text or "").lower()
    return mac if MAC_RE.fullmatch(mac) else None


@dataclass(frozen=True)
class Line:
    """One SIP account on the phone."""

    username: str
    password: str
    display_name: str
    extension: str  # the number people dial; the label on the phone


@dataclass(frozen=True)
class Key:
    """A programmable key: ``blf`` (busy lamp of a colleague) or ``speeddial``."""

    kind: str
    value: str  # the number watched or dialled
    label: str


@dataclass(frozen=True)
class PhoneConfig:
    """Everything a phone's files carry. Strings are raw: templates escape for their format."""

    mac: str  # 12 lowercase hex digits
    model: str  # as identified, e.g. "T46S", "GRP2614", "D785", "CP-8841-3PCC", "VVX400", "X4U"
    lines: tuple  # of Line, line 1 first
    sip_server: str  # host or address the phone registers to
    sip_port: int = 5060
    transport: str = "udp"  # udp | tcp | tls
    timezone: str = "America/Sao_Paulo"  # IANA name; each vendor maps it to its own notation
    ntp_server: str = "pool.ntp.org"
    language: str = "pt_BR"  # pt_BR | en
    keys: tuple = ()  # of Key
    directory_url: str = ""  # the company directory in this vendor's XML phonebook format
    firmware_url: str = ""  # empty: leave the firmware alone
    provisioning_url: str = ""  # base URL (with the device token) the phone fetches its files from
    resync_interval_minutes: int = 1440  # periodic check for changed files
    resync_random_delay_seconds: int = 600  # spread a power-cut reboot storm over this window
    admin_password: str = ""  # the phone's own web admin password (random per device)
    extra: dict = field(default_factory=dict)  # per-device raw settings the admin added (key -> value)


@dataclass(frozen=True)
class Identity:
    """What a request's User-Agent says about the phone."""

    vendor: str
    model: str
    firmware: str
    mac: str | None  # when the UA carries it


class Example(NamedTuple):
    """A User-Agent one of the vendor's phones sent, and what ``identify`` must read in it."""

    user_agent: str
    model: str  # as ``identify`` writes it, e.g. "T46S", "X6U-Pro", "CP-8841-3PCC"
    firmware: str
    mac: str | None  # 12 lowercase hex digits, or None when the User-Agent carries no MAC
    family: str  # the template family ``family_of(model)`` gives


@dataclass(frozen=True)
class DirectoryEntry:
    """One name in the company phonebook."""

    name: str
    number: str


def identify_with(vendor, user_agent):
    """Return the Identity the first of ``vendor.user_agents`` finds in ``user_agent``, or None."""
    for pattern, _family in vendor.user_agents:
        match = pattern.match((user_agent or "").strip())
        if match:
            mac = match.group("mac") if "mac" in pattern.groupindex else None
            return Identity(vendor.name, match["model"], match["firmware"], normalize_mac(mac) if mac else None)
    return None


def check_extra(extra, pattern, vendor):
    """Return ``extra`` as sorted ``[(key, value)]``; raise ValueError for a key ``pattern`` does not accept."""
    for key in extra:
        if not (isinstance(key, str) and len(key) <= 128 and pattern.fullmatch(key)):
            raise ValueError(f"invalid {vendor} setting name {key!r}")
    return sorted((key, str(value)) for key, value in extra.items())


class Vendor:
    """Base of every vendor module; subclasses fill in the class attributes and the methods marked so."""

    #: Short id used in URLs, the database and template folders, e.g. "yealink".
    name = ""
    #: Human name, e.g. "Yealink".
    label = ""
    #: MAC prefixes (OUI, 6 lowercase hex) of this vendor's phones.
    ouis = ()
    #: ``[(compiled regex, model family)]``: the first pattern matching a User-Agent wins; the regex has
    #: named groups ``model``, ``firmware`` and optionally ``mac``. The real UAs they match are in ``examples``.
    user_agents = ()
    #: Real User-Agents (``Example`` rows), each with where it was captured in a comment beside it; every
    #: family in ``user_agents`` has one. A row rebuilt from a captured format (a model no capture was found
    #: for) says so. The first row is the vendor's reference phone. tests/unit/test_prov_contract.py is
    #: parametrized over these rows (STYLE.md point 9).
    examples = ()
    #: ``[(user_agent, model)]``: real User-Agents of this vendor's phones we do not provision (other models,
    #: older firmware). ``identify`` returns None for them and ``family_of`` refuses their model.
    unsupported_examples = ()
    #: A raw setting name the admin may add to ``PhoneConfig.extra``, in this vendor's syntax.
    extra_example = ""
    #: ``{PhoneConfig.language: the value of the phone's language setting}``; empty when the files set none.
    languages = {}
    #: SIP NOTIFY headers that make the phone fetch its files again.
    check_sync = {"Event": "check-sync"}

    def identify(self, user_agent):
        """Return the Identity in ``user_agent``, or None when it is not one of this vendor's phones."""
        raise NotImplementedError

    def family_of(self, model):
        """Return the template family (folder) of ``model``, or raise ValueError for a model not supported."""
        raise NotImplementedError

    #: The per-MAC file name, its first group the MAC (any case); the base methods below use it.
    mac_file_re = None

    def mac_from_path(self, filename):
        """Return the MAC a requested file name carries (per-MAC file), or None for common files."""
        match = self.mac_file_re.fullmatch(filename.rsplit("/", 1)[-1]) if self.mac_file_re else None
        return match.group(1).lower() if match else None

    def files(self, config, overrides=None):
        """Return ``{filename: bytes}`` in the phone's request order: exactly the files it asks for at boot.

        ``overrides`` ({template name: text}) are the admin's per-device templates.
        """
        raise NotImplementedError

    def sensitive(self, filename):
        """Tell whether ``filename`` carries SIP secrets (served only to the authenticated device): per-MAC files."""
        return self.mac_from_path(filename) is not None

    @staticmethod
    def check_mac(config):
        """Raise ValueError unless ``config.mac`` is 12 lowercase hex digits."""
        if not MAC_RE.fullmatch(config.mac):
            raise ValueError(f"invalid MAC {config.mac!r}")

    def directory(self, entries):
        """Return the company phonebook (DirectoryEntry list) in this vendor's XML format, as bytes."""
        raise NotImplementedError

    def read_lines(self, files):
        """Parse rendered ``files`` back (the vendor's own format) into ``[(username, password, server, port)]``.

        Used by tests to prove the credentials a phone would read register to the real Asterisk.
        """
        raise NotImplementedError

    def read_settings(self, filename, content):
        """Parse one rendered file back (the vendor's own format) into ``[(setting, value)]``, in file order.

        An XML file gives a row per element without children (its path from the root) and per attribute
        (``path@name``); a vendor whose files are not XML overrides this. Used by tests to prove that no value,
        however hostile, adds a setting or breaks a file.
        """
        rows = []

        def walk(element, path):
            path = f"{path}/{element.tag}"
            rows.extend((f"{path}@{name}", value) for name, value in element.attrib.items())
            if len(element) == 0:
                rows.append((path, element.text or ""))
            for child in element:
                walk(child, path)

        walk(ElementTree.fromstring(content), "")
        return rows

    # -- shared helpers -----------------------------------------------------------------------------

    def environment(self, overrides=None):
        """Return a Jinja2 environment resolving per-device overrides, then model family, then vendor base.

        Without overrides the vendor's one environment is reused, so its templates are compiled
        once per process, not at every request (a reboot storm is thousands of requests).
        """
        if not overrides and getattr(self, "_shared_environment", None) is not None:
            return self._shared_environment
        loaders = []
        if overrides:  # {template name: text} set by the admin for this one device
            loaders.append(jinja2.DictLoader({f"device/{name}": text for name, text in overrides.items()}))
        loaders.append(jinja2.FileSystemLoader(str(TEMPLATES / self.name)))
        env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=False,  # each template escapes for its own format (|xml, |cfgvalue)
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            auto_reload=False,  # templates change with an upgrade, which restarts: no stat() per render
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(FILTERS)
        if not overrides:
            self._shared_environment = env
        return env

    def render(self, template, family, config, overrides=None, **context):
        """Render ``template`` for model ``family``: ``<family>/<template>`` if it exists, else ``base/<template>``."""
        env = self.environment(overrides)
        chosen = env.select_template([f"device/{template}", f"{family}/{template}", f"base/{template}"])
        return chosen.render(config=config, vendor=self, **context).encode("utf-8")


_XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml(value):
    """Escape text for an XML element or attribute value, without the control characters XML forbids."""
    text = _XML_FORBIDDEN.sub("", str(value))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))


def _cfgvalue(value):
    """Make a value safe for a ``key = value`` line: no line breaks can start a new key."""
    return re.sub(r"[\r\n\x00]", " ", str(value))


FILTERS = {"xml": _xml, "cfgvalue": _cfgvalue}
