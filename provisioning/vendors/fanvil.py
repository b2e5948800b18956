"""Fanvil X-series desk phones on the XML ``<sysConf>`` format (X4U, X5U, X6U, X210 and their Pro/V2 variants).

The phone asks for its model's common file, then ``<mac>.cfg`` (notes §A.1a). Older X-series firmware (X3S, X4,
X5S, X6: the ``<VOIP_CONFIG_FILE>`` format) is not provisioned here, and its User-Agent is not claimed.
"""
import dataclasses
import re
import xml.etree.ElementTree as ET
from math import ceil

from provisioning.base import Example, Vendor, identify_with
from provisioning.timezones import zone_rules
from provisioning.vendors import register

#: Base model -> (template family, DSS keys per side-key page). Keys per page from wazo-provd-plugins
#: wazo_fanvil serie_x/entry.py LINE_KEYS_PER_PAGE; "-Pro"/"-V2" variants share their base model's layout.
MODELS = {"X4U": ("xu", 3), "X5U": ("xu", 4), "X6U": ("xu", 5), "X210": ("x210", 10), "X210i": ("x210", 10)}
VARIANTS = ("", "Pro", "V2")
#: ``<Transport>``: 0 UDP, 1 TCP, 3 TLS (Wazo common.py ``_SIP_TRANSPORT``; FS PBX fanvil template, same codes).
TRANSPORTS = {"udp": 0, "tcp": 1, "tls": 3}
#: DSS ``<Type>``: 2 line, 1 memory key whose value is ``<number>@<line>/<suffix>``, ``ba`` BLF, ``f`` speed dial
#: (Wazo common.py ``_format_funckey_blf``/``_speeddial``; FS PBX fanvil template maps blf -> ba, speed_dial -> f).
LINE_KEY, MEMORY_KEY = 2, 1
KEY_SUFFIXES = {"blf": "ba", "speeddial": "f"}
#: ``<DefaultLanguage>`` on sysConf models takes short codes; "pt" is in Wazo's ``_NEW_SUPPORTED_LANGUAGES``.
LANGUAGES = {"pt_BR": "pt", "en": "en"}
DIRECTORY_TITLES = {"pt_BR": "Agenda", "en": "Directory"}
#: ``<FlashProtocol>``: 4 with an http:// server (Wazo base-new.tpl), 5 with https:// (FS PBX template).
FLASH_PROTOCOLS = {"http": 4, "https": 5}
#: One element of a raw sysConf path the admin may add, e.g. ``phone.display.LCDTitle`` or ``sip.line[2].DTMFMode``.
EXTRA_PART_RE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)(?:\[(\d+)\])?$")
MAC_FILE_RE = re.compile(r"^(?!0{12})([0-9a-f]{12})\.cfg$")
_MAC = r"(?:\s+(?P<mac>[0-9A-Fa-f]{12}))?$"


class Fanvil(Vendor):
    """Fanvil X4U/X5U/X6U and X210 phones, firmware 2.x (``<sysConf>`` XML)."""

    name = "fanvil"
    label = "Fanvil"
    ouis = ("0c383e",)  # the prefix of every captured Fanvil UA below
    user_agents = (
        (re.compile(r"^Fanvil\s+(?P<model>X[456]U(?:[- ](?:Pro|V2))?)\s+(?P<firmware>\d+(?:\.\d+)+)" + _MAC), "xu"),
        # Same "Fanvil <model> <firmware> <mac>" format (Wazo's UA regex covers every model this way)
        (re.compile(r"^Fanvil\s+(?P<model>X210i?(?:[- ](?:Pro|V2))?)\s+(?P<firmware>\d+(?:\.\d+)+)" + _MAC), "x210"),
    )
    examples = (
        # wazo-provd-plugins wazo_fanvil common.py
        Example("Fanvil X6U Pro 0.0.10 0c383e2cd782", "X6U-Pro", "0.0.10", "0c383e2cd782", "xu"),
        Example("Fanvil X5U-V2 2.12.16.17 0c383e557eb1", "X5U-V2", "2.12.16.17", "0c383e557eb1", "xu"),
        # NethServer nethcti docs
        Example("Fanvil X6U-V2 2.12.16.18 0c383e32a7cb", "X6U-V2", "2.12.16.18", "0c383e32a7cb", "xu"),
        # Rebuilt: no X4U or X210 User-Agent, nor one without a MAC, was found captured; these follow the format
        # of the captured ones above.
        Example("Fanvil X4U 2.12.16.17 0c383e07e16c", "X4U", "2.12.16.17", "0c383e07e16c", "xu"),
        Example("Fanvil X210 2.12.20 0c383e0a0b0c", "X210", "2.12.20", "0c383e0a0b0c", "x210"),
        Example("Fanvil X6U 2.12.16.17", "X6U", "2.12.16.17", None, "xu"),
    )
    unsupported_examples = (
        # wazo-provd-plugins wazo_fanvil common.py: older <VOIP_CONFIG_FILE> firmware, and a V-series phone
        ("Fanvil X4 2.10.2.6887 0c383e07e16c", "X4"),
        ("Fanvil V67 2.6.6.187 0c383e2b29e6", "V67"),
    )
    extra_example = "phone.display.LCDTitle"
    languages = LANGUAGES
    # Fanvil re-reads its files on "Event: check-sync" (notes §A.1d); it has no reboot variant we rely on.
    mac_file_re = MAC_FILE_RE
    check_sync = {"Event": "check-sync"}

    def identify(self, user_agent):
        """Return the Identity in a Fanvil User-Agent (model "X6U Pro" written "X6U-Pro"), or None."""
        identity = identify_with(self, user_agent)
        return identity and dataclasses.replace(identity, model=identity.model.replace(" ", "-"))

    def family_of(self, model):
        """Return the template family of ``model``; raise ValueError for a model we do not provision."""
        base, _, variant = model.partition("-")
        if base not in MODELS or variant not in VARIANTS:
            raise ValueError(f"unsupported Fanvil model {model!r}")
        return MODELS[base][0]

    def common_file(self, model):
        """Return the model's common file name, ``f0<model>hw1.100.cfg`` (the naming of Fanvil's newer models)."""
        self.family_of(model)
        return f"f0{model.partition('-')[0]}hw1.100.cfg"

    def files(self, config, overrides=None):
        """Return the model's common file, then the per-MAC file: the order the phone asks for them."""
        family = self.family_of(config.model)
        self.check_mac(config)
        zone = zone_rules(config.timezone)
        scheme = config.provisioning_url.partition("://")[0].lower()
        context = {
            "transport": TRANSPORTS[config.transport],
            "language": LANGUAGES[config.language],
            "directory_title": DIRECTORY_TITLES[config.language],
            "zone": zone,
            "time_zone": zone.offset_minutes // 15,  # <TimeZone> counts quarter hours: -12 is UTC-3
            "time_zone_name": _zone_name(zone.offset_minutes),
            "flash_protocol": FLASH_PROTOCOLS.get(scheme, FLASH_PROTOCOLS["http"]),
            # <FlashInterval> in hours (unit unverified); Fanvil documents no random delay to spread the checks.
            "flash_interval": max(1, ceil(config.resync_interval_minutes / 60)),
            "dss_pages": self._dss_pages(config),
            "extra": self._extra(config),
        }
        return {
            self.common_file(config.model): self.render("common.cfg", family, config, overrides, **context),
            f"{config.mac}.cfg": self.render("mac.cfg", family, config, overrides, **context),
        }

    def directory(self, entries):
        """Return the company phonebook in Fanvil's XML phonebook format (``FanvilIPPhoneDirectory``)."""
        return self.render("directory.xml", "base", None, entries=entries)

    def read_lines(self, files):
        """Read back ``[(username, password, server, port)]`` from the per-MAC files with an XML parser."""
        lines = []
        for filename, content in files.items():
            if not self.sensitive(filename):
                continue
            for line in ET.fromstring(content).findall("./sip/line"):
                if line.findtext("EnableReg") == "1":
                    lines.append((line.findtext("RegisterUser"), line.findtext("RegisterPswd"),
                                  line.findtext("RegisterAddr"), int(line.findtext("RegisterPort"))))
        return lines

    @staticmethod
    def _dss_pages(config):
        """Lay the line keys, then the BLF/speed-dial keys, on side-key pages: ``[(page, [(index, type, value,
        title)])]``."""
        per_page = MODELS[config.model.partition("-")[0]][1]
        keys = [(LINE_KEY, f"SIP{n}", line.extension) for n, line in enumerate(config.lines, 1)]
        for key in config.keys:
            if key.kind not in KEY_SUFFIXES:
                raise ValueError(f"unsupported key kind {key.kind!r}")
            keys.append((MEMORY_KEY, f"{key.value}@1/{KEY_SUFFIXES[key.kind]}", key.label))
        pages = {}
        for position, key in enumerate(keys):
            pages.setdefault(position // per_page + 1, []).append((position % per_page + 1, *key))
        return sorted(pages.items())

    @staticmethod
    def _extra(config):
        """Return the admin's raw settings as ``[([(element, index)], value)]`` after checking every path."""
        extra = []
        for path, value in sorted(config.extra.items()):
            matches = [EXTRA_PART_RE.fullmatch(part) for part in path.split(".")]
            if not all(matches):
                raise ValueError(f"invalid Fanvil setting path {path!r}")
            extra.append(([match.groups() for match in matches], value))
        return extra


def _zone_name(minutes):
    """Name a UTC offset as Wazo's Fanvil ``_TZ_INFO`` does: "UTC-03", "UCT", "UTC+3" (plus ":30" when needed)."""
    hours, rest = divmod(abs(minutes), 60)
    suffix = f":{rest:02d}" if rest else ""
    if minutes < 0:
        return f"UTC-{hours:02d}{suffix}"
    return f"UTC+{hours}{suffix}" if minutes else "UCT"


fanvil = register(Fanvil())
