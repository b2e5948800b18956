"""Snom D7xx, D3xx and 7xx desk phones: XML setting files, laid out as Wazo's provd plugin does.

Given a provisioning URL (DHCP option 66, PnP or ``setting_server``) a Snom first fetches the general setting
file of its model, ``snom<model>.htm``, then the file of its own MAC, ``snom<model>-<MAC>.htm``, MAC in upper
case (Snom wiki "Mass Deployment/Setting Files": general file first, then the MAC-specific one). We serve:

- ``snom<model>.htm``: a ``<settings>`` document with the bootstrap only (clock, language), no secrets;
- ``snom<model>-<MAC>.htm``: a ``<setting-files>`` list naming ``<MAC>.xml`` (Wazo ``other/base.htm.tpl``,
  kept because settings read from a listed file win over the general file);
- ``<MAC>.xml``: the phone itself (accounts, keys, passwords), the sensitive one (Wazo
  ``_SENSITIVE_FILENAME_REGEX``);
- ``snom<model>-firmware.xml`` when a firmware URL is set: ``firmware_status`` points the phone to it and its
  ``<firmware>`` element names the image (service.snom.com "<phone-settings> tag"; Wazo
  ``snom-model-firmware.xml.tpl``).
"""
import re
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import TZPATH, ZoneInfo

from provisioning.base import Example, Identity, Vendor, normalize_mac
from provisioning.vendors import register

#: Model family -> model pattern, as the model appears in the User-Agent and the file names.
FAMILIES = {"d7xx": r"D7\d\d", "d3xx": r"D3\d\d", "7xx": r"7[1-6]\d"}
#: Snom ``timezone`` ids are a country code and the standard UTC offset: "USA-5", "GER+1", "ITA+1"
#: (service.snom.com "Desk Phone Configuration Files" and "<phone-settings> tag"), "FRA+1", "DNK+1", "CHE+1"
#: (urueedi/kazoo-provision functions_snom.php); Wazo builds them the same way. BRA follows the pattern.
COUNTRIES = {"BR": "BRA", "US": "USA", "DE": "GER", "IT": "ITA", "FR": "FRA", "DK": "DNK", "CH": "CHE"}
#: ``language``/``web_language`` take the language's own name ("English", "Deutsch": service.snom.com).
LANGUAGES = {"pt_BR": "Portugues", "en": "English"}
#: Function key types (service.snom.com "Function Key Types": blf = BLF, speed = Speed Dial).
KEY_TYPES = {"blf": "blf", "speeddial": "speed"}
#: A raw setting the admin may add: a Snom setting name, lowercase words joined by underscores.
EXTRA_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: A per-MAC file name: ``<MAC>.xml`` or ``snom<model>-<MAC>.htm``.
MAC_FILE_RE = re.compile(r"^(?:snom\w+-)?([0-9A-F]{12})\.(?:xml|htm)$")


def _ua(models):
    """Match ``snom<model>-SIP <firmware> ...`` for ``models`` (a regex), with the MAC newer firmware adds."""
    return re.compile(
        rf"\bsnom(?P<model>{models})-SIP\s+(?P<firmware>\d+(?:\.\d+)+)(?:.*?\b(?P<mac>[0-9A-Fa-f]{{12}})\b)?"
    )


def snom_timezone(name):
    """Return Snom's ``timezone`` id for IANA zone ``name`` (``BRA-3`` for America/Sao_Paulo), or None.

    The offset is the zone's standard offset today, from zoneinfo; None when the country has no known Snom
    code or the offset is not whole hours, and the phone then keeps the zone it has.
    """
    zone = ZoneInfo(name)
    now = datetime.now(zone)
    hours, rest = divmod(int((now.utcoffset() - now.dst()).total_seconds()), 3600)
    country = COUNTRIES.get(_country(name))
    return f"{country}{hours:+d}" if country and not rest else None


def _country(name):
    """Return the ISO country code of zone ``name`` from the system's ``zone.tab``, or None."""
    for root in TZPATH:
        table = Path(root, "zone.tab")
        if table.is_file():
            for row in table.read_text(encoding="utf-8").splitlines():
                fields = row.split("\t")
                if not row.startswith("#") and len(fields) > 2 and fields[2] == name:
                    return fields[0]
    return None


class Snom(Vendor):
    """Snom desk phones, provisioned with ``snom<model>.htm``, ``snom<model>-<MAC>.htm`` and ``<MAC>.xml``."""

    name = "snom"
    label = "Snom"
    ouis = ("000413", "00087b")  # Wazo dhcpd_update/snom.conf
    user_agents = tuple((_ua(models), family) for family, models in FAMILIES.items())
    examples = (
        # wazo-provd-plugins wazo_snom common.py
        Example("Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)",
                "D785", "10.1.33.33", "000413922d24", "d7xx"),
        # fusionpbx app/provision
        Example("Mozilla/4.0 (compatible; snomD785-SIP 10.1.169.16 2010.12-00001-gd311851f1 (Feb 25 2019 - 14:19:43) "
                "00041396D9B4 SXM:0 UXM:0 UXMC:0)", "D785", "10.1.169.16", "00041396d9b4", "d7xx"),
        # Rebuilt: no D3xx User-Agent was found captured; Snom writes every model as "snom<model>-SIP <firmware>".
        Example("Mozilla/4.0 (compatible; snomD385-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413AABBCC SXM:0 UXM:0)",
                "D385", "10.1.33.33", "000413aabbcc", "d3xx"),
        # wazo-provd-plugins wazo_snom common.py; old firmware sends no MAC
        Example("Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)",
                "710", "8.7.5.35", "000413741767", "7xx"),
        Example("Mozilla/4.0 (compatible; snom710-SIP 8.7.3.19 1.1.5-IFX-05.01.12)", "710", "8.7.3.19", None, "7xx"),
        Example("Mozilla/4.0 (compatible; snom760-SIP 8.7.3.19 2010.06)", "760", "8.7.3.19", None, "7xx"),
    )
    unsupported_examples = (
        # wazo-provd-plugins wazo_snom common.py: a 3xx and an 8xx
        ("Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)", "320"),
        ("Mozilla/4.0 (compatible; snom820-SIP 8.4.18 1.1.4-IFX-26.11.09)", "820"),
    )
    extra_example = "dim_timer"
    languages = LANGUAGES
    # "reboot=false" makes the phone fetch its settings again without rebooting, so calls in progress survive
    # (Wazo wazo_snom common.py synchronize: ``event='check-sync;reboot=false'``).
    check_sync = {"Event": "check-sync;reboot=false"}

    def identify(self, user_agent):
        """Return the Identity in a Snom User-Agent, or None; old firmware sends no MAC (take it from the path)."""
        for pattern, _family in self.user_agents:
            match = pattern.search(user_agent or "")
            if match:
                mac = normalize_mac(match["mac"]) if match["mac"] else None
                return Identity(vendor=self.name, model=match["model"], firmware=match["firmware"], mac=mac)
        return None

    def family_of(self, model):
        """Return the template family of ``model`` (e.g. ``d7xx`` for D785), or raise ValueError."""
        for family, models in FAMILIES.items():
            if re.fullmatch(models, model.upper()):
                return family
        raise ValueError(f"Snom model {model!r} is not supported")

    def mac_from_path(self, filename):
        """Return the MAC in ``<MAC>.xml`` or ``snom<model>-<MAC>.htm``, else None."""
        match = MAC_FILE_RE.fullmatch(filename)
        return normalize_mac(match[1]) if match else None

    def sensitive(self, filename):
        """Tell whether ``filename`` is one of the phone's own files (the per-MAC ones)."""
        return self.mac_from_path(filename) is not None

    def files(self, config, overrides=None):
        """Return the phone's files in request order (the firmware file only when a firmware URL is set)."""
        family = self.family_of(config.model)
        mac = config.mac.upper()
        model = config.model.upper()
        for key in config.extra:
            if not EXTRA_KEY_RE.fullmatch(key):
                raise ValueError(f"extra setting {key!r} is not a Snom setting name")
        delay = max(config.resync_random_delay_seconds, 1)  # the first retry waits a random 1..delay seconds
        context = {
            "base_url": config.provisioning_url.rstrip("/"),
            "settings_file": f"{mac}.xml",
            "firmware_file": f"snom{model}-firmware.xml",
            "language": LANGUAGES.get(config.language),
            "timezone": snom_timezone(config.timezone),
            "key_types": KEY_TYPES,
            "back_off": f"1,{delay}:{max(delay, 3600)}",
        }
        files = {
            f"snom{model}.htm": self.render("general.htm", family, config, overrides, **context),
            f"snom{model}-{mac}.htm": self.render("mac.htm", family, config, overrides, **context),
            f"{mac}.xml": self.render("settings.xml", family, config, overrides, **context),
        }
        if config.firmware_url:
            files[context["firmware_file"]] = self.render("firmware.xml", family, config, overrides, **context)
        return files

    def directory(self, entries, title=""):
        """Return the company phonebook as ``SnomIPPhoneDirectory`` XML, for the directory key's URL."""
        return self.render("directory.xml", "base", None, entries=entries, title=title)

    def read_lines(self, files):
        """Parse the ``<MAC>.xml`` files back into ``[(username, password, server, port)]``."""
        lines = []
        for name, body in files.items():
            if not (name.endswith(".xml") and self.mac_from_path(name)):
                continue
            settings = ElementTree.fromstring(body).find("phone-settings")
            values = {(element.tag, element.get("idx")): element.text or "" for element in settings}
            for (tag, idx), username in sorted(values.items(), key=lambda item: int(item[0][1] or 0)):
                if tag == "user_name" and username:
                    port = values[("user_outbound", idx)].split(";")[0].rpartition(":")[2]
                    lines.append((username, values[("user_pass", idx)], values[("user_host", idx)], int(port)))
        return lines


snom = register(Snom())
