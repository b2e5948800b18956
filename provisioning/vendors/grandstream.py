"""Grandstream GRP26xx, GXP21xx and GXP16xx desk phones and HT80x ATAs: P-value XML files.

A Grandstream tries its config files in the order of P8501, by default ``cfg<mac>.xml``, ``cfg<mac>``,
``cfg<model>.xml``, ``cfg.xml`` (notes §A.1a, from a public HT80x template), and stops at the first it gets:
"Download and Process All Available Config Files" defaults to No. We serve:

- ``cfg<mac>.xml`` (MAC in lowercase: "file name should be in lower case", Grandstream provisioning guide): the
  whole phone, accounts and passwords included, so it is the only sensitive file;
- nothing for ``cfg<mac>``: that name is Grandstream's binary format, built with its own tool; we never produce
  one, the blueprint answers 404 and the phone moves on to the next name;
- ``cfg<model>.xml`` and ``cfg.xml``, the same bootstrap without secrets (clock, language, provisioning server,
  periodic check), so a phone whose per-MAC file is withheld keeps coming back until it gets one (notes §A.3.3).

P-values are checked against Grandstream's own config templates as shipped in public repositories: GXP16xx
firmware 1.0.4.33 and GRP2614 (``fusionpbx/fusionpbx`` ``resources/templates/provision/grandstream/``), GXP17xx
firmware 1.0.1.133 (vendor baseline embedded in an FS PBX template); templates cite them as "GS template".
"""
import re
from importlib import resources
from math import ceil
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree
from zoneinfo import TZPATH, ZoneInfo

from provisioning.base import Example, Identity, Vendor, normalize_mac
from provisioning.vendors import register

#: Model family (template folder) -> (model pattern, accounts we provision). Accounts 2-4 use P-values 4xx-6xx
#: (GS template, "Account 4": P601 active ... P648 transport); the HT80x ports beyond the first use other
#: numbers (HT802 port 2: P401/P747/P735..., notes §A.1b) that we have not verified, so ATAs get one line.
FAMILIES = {
    "grp26xx": (r"GRP26\d\d[A-Z]?", 4),
    "gxp21xx": (r"GXP21\d\d", 4),
    "gxp16xx": (r"GXP16\d\d", 4),
    "ht80x": (r"HT80[12]", 1),
}

#: Physical multi-purpose keys the P-value scheme below reaches (GS template GRP2614: MPK 1-24).
MAX_KEYS = 24
#: MPK "Key Mode" values: 0 Speed Dial, 1 BLF (GS templates GXP16xx and GRP2614, "Multi-Purpose Keys").
KEY_MODES = {"speeddial": 0, "blf": 1}
#: SIP Transport (P130 for account 1, P<n+2>48 for account n): 0 UDP, 1 TCP, 2 TLS/TCP (GS template).
TRANSPORTS = {"udp": 0, "tcp": 1, "tls": 2}
#: Display Language (P1362): "pt - Portugue", "en - English" (GS templates GXP16xx and GXP17xx).
LANGUAGES = {"pt_BR": "pt", "en": "en"}
#: "Config Upgrade Via" (P212) and "Firmware Upgrade Via" (P6767): 1 HTTP, 2 HTTPS (GS template).
UPGRADE_VIA = {"http": 1, "https": 2}
#: "Enable Phonebook XML Download" (P330): 1 YES HTTP, 3 YES HTTPS (GS template GXP16xx).
PHONEBOOK_VIA = {"http": 1, "https": 3}
#: First hour of the nightly window in which each phone picks a random minute for its daily check.
CHECK_WINDOW_START = 2
#: A raw key the admin may add: a P-value number, nothing else.
EXTRA_KEY_RE = re.compile(r"^P\d{1,5}$")
#: A per-MAC file name: the XML file we serve or the binary one we refuse.
MAC_FILE_RE = re.compile(r"^cfg([0-9a-f]{12})(?:\.xml)?$")
#: A zone name the TZ string quotes (``<-03>``): the phones want letters there, as POSIX does unquoted.
QUOTED_NAME_RE = re.compile(r"<[^>]*>")


def _ua(models):
    """Match a Grandstream provisioning User-Agent for ``models`` (a regex), MAC included when sent."""
    return re.compile(
        rf"^Grandstream\s+(?:Model\s+HW\s+(?P<model>{models})(?:\s+V\S+)?\s+SW\s+(?P<firmware>\S+)"
        rf"(?:\s+DevId\s+(?P<mac>[0-9A-Fa-f]{{12}}))?"
        rf"|(?P<model2>{models})(?:\s+\(HW\s[^)]*\))?\s+(?P<firmware2>\d+(?:\.\d+){{3}}))\b"
    )


def posix_tz(name):
    """Return the POSIX TZ rule of IANA zone ``name`` (its TZif footer), zone names in letters.

    America/Sao_Paulo gives ``LST3`` (UTC-3 all year since Brazil dropped daylight time in 2019), where the
    phones' own menu still offers ``BRST+3BRDT+2,M10.3.0,M2.3.0`` (GS templates' time zone list).
    """
    ZoneInfo(name)  # refuses unknown names and paths before any file is opened
    data = _tzif(name)
    if not data.startswith(b"TZif") or data[4:5] not in (b"2", b"3", b"4"):
        raise ValueError(f"{name}: no POSIX rule in this zoneinfo file")
    rule = data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii")
    names = iter(("LST", "LDT"))  # local standard / daylight time: the phones only show the clock
    return QUOTED_NAME_RE.sub(lambda _: next(names), rule)


def _tzif(name):
    """Return the bytes of zone ``name`` from the system zoneinfo, else from the ``tzdata`` package."""
    for root in TZPATH:
        path = Path(root, name)
        if path.is_file():
            return path.read_bytes()
    return resources.files("tzdata.zoneinfo").joinpath(*name.split("/")).read_bytes()


def mpk_pvalues(number):
    """Return the P-values (mode, account, name, value) of multi-purpose key ``number`` (1-24).

    GS template GRP2614 "Physical Multi-Purpose Keys": keys 1-7 are P323-P329 (mode) with P301-P321 (account,
    name, value by threes), keys 8-18 are P353 onwards by fours, keys 19-24 P1440 onwards by fours.
    """
    if number <= 7:
        return 322 + number, 298 + 3 * number, 299 + 3 * number, 300 + 3 * number
    base = 353 + 4 * (number - 8) if number <= 18 else 1440 + 4 * (number - 19)
    return base, base + 1, base + 2, base + 3


def _server_path(url):
    """Split ``url`` into (scheme, ``host/path``): Grandstream server paths carry no scheme."""
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.netloc + parts.path).rstrip("/")


class Grandstream(Vendor):
    """Grandstream phones and ATAs, provisioned with ``cfg<mac>.xml``."""

    name = "grandstream"
    label = "Grandstream"
    ouis = ("000b82", "c074ad", "ec74d7")  # Wazo dhcpd_update/grandstream.conf, notes §A.1c
    user_agents = tuple((_ua(models), family) for family, (models, _) in FAMILIES.items())
    examples = (
        # wazo-provd-plugins wazo_grandstream common.py
        Example("Grandstream Model HW GRP2614 SW 1.0.5.15 DevId c074ad0b63ee", "GRP2614", "1.0.5.15", "c074ad0b63ee",
                "grp26xx"),
        # fusionpbx app/provision
        Example("Grandstream Model HW GXP2135 SW 1.0.7.97 DevId 000b828aa872", "GXP2135", "1.0.7.97", "000b828aa872",
                "gxp21xx"),
        # quoted in the project brief; no capture found to confirm it
        Example("Grandstream GXP2170 (HW 1.5) 1.0.11.3", "GXP2170", "1.0.11.3", None, "gxp21xx"),
        # wazo-provd-plugins wazo_grandstream common.py
        Example("Grandstream Model HW GXP1628 SW 1.0.4.138 DevId c074ad2bd859", "GXP1628", "1.0.4.138", "c074ad2bd859",
                "gxp16xx"),
        Example("Grandstream Model HW HT801 V1.1A SW 1.0.17.5 DevId c074ad273a10", "HT801", "1.0.17.5",
                "c074ad273a10", "ht80x"),
        # FreePBX framework, its list of example User-Agents
        Example("Grandstream HT802 1.0.17.5", "HT802", "1.0.17.5", None, "ht80x"),
    )
    unsupported_examples = (
        # wazo-provd-plugins wazo_grandstream common.py: a video phone and an Android GXP22xx
        ("Grandstream Model HW GXV3350  V1.3A SW 1.0.1.8 DevId c074ad150b88", "GXV3350"),
        ("Grandstream Model HW GXP2200 V2.2A SW 1.0.1.33 DevId 000b82462d97", "GXP2200"),
    )
    extra_example = "P1376"
    languages = LANGUAGES
    # A check-sync NOTIFY makes the phone fetch its files again; it reboots only when the file changed what
    # needs one. By default it challenges the NOTIFY with 401 (P4428 "Disable SIP NOTIFY Authentication" = 0,
    # GS template): the endpoint needs an outbound auth with the line's credentials for the NOTIFY to pass.
    check_sync = {"Event": "check-sync"}

    def identify(self, user_agent):
        """Return the Identity in a Grandstream User-Agent, or None."""
        for pattern, _family in self.user_agents:
            match = pattern.match(user_agent or "")
            if match:
                return Identity(
                    vendor=self.name,
                    model=(match["model"] or match["model2"]).upper(),
                    firmware=match["firmware"] or match["firmware2"],
                    mac=normalize_mac(match["mac"]) if match["mac"] else None,
                )
        return None

    def family_of(self, model):
        """Return the template family of ``model`` (e.g. ``grp26xx`` for GRP2614), or raise ValueError."""
        for family, (models, _) in FAMILIES.items():
            if re.fullmatch(models, model.upper()):
                return family
        raise ValueError(f"Grandstream model {model!r} is not supported")

    def mac_from_path(self, filename):
        """Return the MAC in ``cfg<mac>.xml`` (or the binary ``cfg<mac>``), else None."""
        match = MAC_FILE_RE.fullmatch(filename)
        return match[1] if match else None

    def sensitive(self, filename):
        """Tell whether ``filename`` is a per-MAC file (the only ones with SIP secrets)."""
        return self.mac_from_path(filename) is not None

    def files(self, config, overrides=None):
        """Return the phone's files in request order: ``cfg<mac>.xml``, ``cfg<model>.xml``, ``cfg.xml``."""
        family = self.family_of(config.model)
        context = self._context(config, family)
        common = self.render("common.xml", family, config, overrides, **context)
        return {
            f"cfg{config.mac}.xml": self.render("cfg.xml", family, config, overrides, **context),
            f"cfg{config.model.lower()}.xml": common,
            "cfg.xml": common,
        }

    def _context(self, config, family):
        """Work out the P-values the templates need from ``config``; refuse what the phone cannot take."""
        max_lines = FAMILIES[family][1]
        if len(config.lines) > max_lines:  # none is fine: the bootstrap files of a phone nobody has assigned
            raise ValueError(f"{config.model} takes at most {max_lines} SIP accounts, not {len(config.lines)}")
        if len(config.keys) > MAX_KEYS:
            raise ValueError(f"Grandstream phones take at most {MAX_KEYS} keys, not {len(config.keys)}")
        for key in config.extra:
            if not EXTRA_KEY_RE.fullmatch(key):
                raise ValueError(f"extra setting {key!r} is not a Grandstream P-value (P followed by digits)")
        config_scheme, config_path = _server_path(config.provisioning_url)
        firmware_scheme, firmware_path = _server_path(config.firmware_url)
        phonebook_scheme, phonebook_path = _server_path(config.directory_url)
        # P331 is a folder: the phone asks for phonebook.xml in it (fusionpbx serves it at pb<mac>/phonebook.xml
        # for P331 = pb<mac>/), so whatever file the URL names, the phone will ask for phonebook.xml beside it.
        if phonebook_path.endswith(".xml"):
            phonebook_path = phonebook_path.rpartition("/")[0]
        window_hours = max(1, ceil(config.resync_random_delay_seconds / 3600))  # the phones count in hours
        return {
            "transport": TRANSPORTS[config.transport],
            "language": LANGUAGES.get(config.language),
            "timezone": posix_tz(config.timezone),
            "config_via": UPGRADE_VIA.get(config_scheme),
            "config_path": config_path,
            "firmware_via": UPGRADE_VIA.get(firmware_scheme),
            "firmware_path": firmware_path,
            "phonebook_via": PHONEBOOK_VIA.get(phonebook_scheme),
            "phonebook_path": phonebook_path,
            "phonebook_minutes": min(max(config.resync_interval_minutes, 5), 720),
            "check_daily": config.resync_interval_minutes >= 1440,
            "check_minutes": min(max(config.resync_interval_minutes, 60), 86400),
            "check_start": CHECK_WINDOW_START,
            "check_end": (CHECK_WINDOW_START + window_hours) % 24,
            "keys": [(mpk_pvalues(number), KEY_MODES[key.kind], key) for number, key in enumerate(config.keys, 1)],
        }

    def directory(self, entries):
        """Return the company phonebook as Grandstream ``AddressBook`` XML (fetched as ``phonebook.xml``)."""
        return self.render("phonebook.xml", "base", None, entries=entries)

    def read_lines(self, files):
        """Parse the ``cfg<mac>.xml`` files back into ``[(username, password, server, port)]``."""
        lines = []
        for name, body in files.items():
            if not name.endswith(".xml") or self.mac_from_path(name) is None:
                continue
            values = {element.tag: element.text or "" for element in ElementTree.fromstring(body).find("config")}
            for user, password, server in (("P35", "P34", "P47"), *(
                (f"P{n}04", f"P{n}06", f"P{n}02") for n in range(4, 7)
            )):
                if values.get(user):
                    host, _, port = values[server].rpartition(":")
                    lines.append((values[user], values[password], host, int(port)))
        return lines


grandstream = register(Grandstream())
