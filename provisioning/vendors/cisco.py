"""Cisco multiplatform (MPP/3PCC: 68xx, 78xx, 88xx) and Small Business SPA phones: XML flat profiles.

Both families resync by evaluating ``Profile_Rule``, ``Profile_Rule_B``, ... in sequence; a failed rule interrupts
the sequence (Cisco 8800 MPP admin guide, "Profile Rules"). A factory phone fetches its common file by the
default rule, MPP ``<model>-3PCC.xml`` (wazo-provd-plugins ``wazo_cisco_sip/v12_0_7/entry.py``; the 6800 MPP guide
gives the default rule ``/$PSN.xml``) and SPA ``spa$PSN.cfg`` such as ``spa504G.cfg`` (SPA provisioning guides;
``wazo_cisco_spa/v7_5_5/entry.py``). The common file points ``Profile_Rule`` at itself by name and
``Profile_Rule_B`` at ``$MA.xml``, the per-MAC file (``$MA`` is the lowercase MAC).
"""
import re
from xml.etree import ElementTree

from provisioning.base import Example, Identity, Vendor, check_extra, normalize_mac
from provisioning.timezones import zone_rules
from provisioning.vendors import register

FAMILY_MODELS = {"mpp": re.compile(r"^CP-(\d{4})-3PCC$"), "spa": re.compile(r"^SPA(\d{3}[A-Z0-9]*)$")}
#: ``Resync_Random_Delay`` unit in seconds: MPP takes seconds (7800 MPP admin guide 11.3(1), "Resync Random
#: Delay", 0-65535), SPA units of 20 s ("the default value of 2 represents 40 seconds", SPA provisioning guide).
RANDOM_DELAY_UNIT = {"mpp": 1, "spa": 20}
#: ``SIP_Transport_N_`` values (public SPA/MPP flat profiles).
TRANSPORTS = {"udp": "UDP", "tcp": "TCP", "tls": "TLS"}
#: Line key functions (wazo-provd-plugins ``wazo_cisco_sip/v12_0_7/common.py`` ``_add_fkeys``).
KEY_FUNCTIONS = {
    "blf": "fnc=blf+sd+cp;sub={value}@$PROXY;nme={label}",
    "speeddial": "fnc=sd;ext={value}@$PROXY;nme={label}",
}
#: XML directory softkey name shown on the phone.
DIRECTORY_NAMES = {"pt_BR": "Agenda", "en": "Directory"}
#: A raw parameter the admin may add: an element name such as ``Auth_Resync-Reboot_1_`` or ``Enable_802.1X_...``.
EXTRA_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")
MAC_FILE_RE = re.compile(r"^([0-9A-Fa-f]{12})\.xml$")


class Cisco(Vendor):
    """Cisco MPP (3PCC firmware) and SPA3xx/5xx phones: one vendor, two template families (``mpp``, ``spa``)."""

    name = "cisco"
    label = "Cisco"
    # OUIs of the phones in the captured User-Agents below.
    ouis = ("00562b", "c4c603", "0002fd", "8843e1", "649ef3")
    user_agents = (
        (re.compile(r"^Cisco-(?P<model>CP-\d{4}-3PCC)/(?P<firmware>\S+?)(?: \((?P<mac>[0-9A-Fa-f]{12})\))?$"), "mpp"),
        # MAC then serial, or the serial alone
        (re.compile(r"^Cisco/(?P<model>SPA\w+)-(?P<firmware>\S+) (?:\((?P<mac>[0-9A-Fa-f]{12})\))?\(\w+\)$"), "spa"),
    )
    examples = (
        # wazo-provd-plugins wazo_cisco_sip common.py
        Example("Cisco-CP-7832-3PCC/11.0.1 (00562b043615)", "CP-7832-3PCC", "11.0.1", "00562b043615", "mpp"),
        # public provisioning servers' comments
        Example("Cisco-CP-8841-3PCC/11.0 (00562b043615)", "CP-8841-3PCC", "11.0", "00562b043615", "mpp"),
        Example("Cisco-CP-6841-3PCC/12.0.1 (c4c603731f67)", "CP-6841-3PCC", "12.0.1", "c4c603731f67", "mpp"),
        # a public test fixture: no MAC, it comes from the path
        Example("Cisco-CP-8851-3PCC/11.3.7_MPP_0001", "CP-8851-3PCC", "11.3.7_MPP_0001", None, "mpp"),
        # wazo-provd-plugins wazo_cisco_spa common.py
        Example("Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)", "SPA508G", "7.4.4", "0002fdff2103", "spa"),
        Example("Cisco/SPA508G-7.4.8a (0002FDFF2103)(CBT141400UK)", "SPA508G", "7.4.8a", "0002fdff2103", "spa"),
        Example("Cisco/SPA501G-7.4.4 (8843E157DDCC)(CBT141100HR)", "SPA501G", "7.4.4", "8843e157ddcc", "spa"),
        Example("Cisco/SPA525G-7.4.7 (CBT141900G7)", "SPA525G", "7.4.7", None, "spa"),
        # provisioner/Provisioner index.php
        Example("Cisco/SPA504G-7.4.9c (649EF3788E6A)(CCQ162306EA)", "SPA504G", "7.4.9c", "649ef3788e6a", "spa"),
    )
    unsupported_examples = (
        # wazo-provd-plugins wazo_cisco_spa common.py: a Linksys-branded SPA
        ("Linksys/SPA-942-6.1.5(a) (88019FA42805)", "SPA-942"),
    )
    extra_example = "Text_Logo"
    # No language setting: the menus stay in English (other languages need dictionary files, phone.xml says).
    languages = {}
    # "Resync From SIP: ... the proxy can request a resync by sending a SIP NOTIFY message containing the
    # Event: resync header" (6800 MPP admin guide; SPA admin guides alike). The files set Resync_From_SIP to Yes.
    mac_file_re = MAC_FILE_RE
    check_sync = {"Event": "resync"}

    def identify(self, user_agent):
        """Return the Identity in a Cisco MPP or SPA User-Agent, or None."""
        for pattern, _family in self.user_agents:
            match = pattern.match((user_agent or "").strip())
            if match:
                mac = normalize_mac(match.group("mac")) if match.group("mac") else None
                return Identity(self.name, match["model"].upper(), match["firmware"], mac)
        return None

    def family_of(self, model):
        """Return ``mpp`` or ``spa`` for ``model`` ("CP-8841-3PCC", "SPA504G"); raise ValueError otherwise."""
        for family, pattern in FAMILY_MODELS.items():
            if pattern.fullmatch(model or ""):
                return family
        raise ValueError(f"unsupported Cisco model {model!r}")

    def common_file(self, model):
        """Return the name of the common file a factory phone of ``model`` asks for first."""
        family = self.family_of(model)
        number = FAMILY_MODELS[family].fullmatch(model).group(1)
        return f"{number}-3PCC.xml" if family == "mpp" else f"spa{number}.cfg"

    def files(self, config, overrides=None):
        """Return the model's common file and the per-MAC file, in the order the phone asks for them."""
        family = self.family_of(config.model)
        self.check_mac(config)
        common_file, mac_file = self.common_file(config.model), f"{config.mac}.xml"
        base_url = config.provisioning_url.rstrip("/")  # empty: "/file", on the DHCP option 66 server
        zone = zone_rules(config.timezone)
        context = {
            "provisioning": {
                "common_rule": f"{base_url}/{common_file}",
                "mac_rule": f"{base_url}/$MA.xml",
                "random_delay": -(-config.resync_random_delay_seconds // RANDOM_DELAY_UNIT[family]),
                # "3600+600" resyncs every hour plus a random delay of up to 10 minutes (SPA provisioning guide
                # and 8800 MPP admin guide, "Configurable Schedules").
                "periodic": f"{config.resync_interval_minutes * 60}+{config.resync_random_delay_seconds}",
            },
            "time_zone": _gmt(zone.offset_minutes),
            "dst_rule": _dst_rule(zone),
            "transport": TRANSPORTS[config.transport],
            "keys": self._keys(config),
            "directory_name": DIRECTORY_NAMES[config.language],
            "extra": check_extra(config.extra, EXTRA_KEY_RE, "Cisco"),
        }
        return {
            common_file: self.render("common.xml", family, config, overrides, **context),
            mac_file: self.render("phone.xml", family, config, overrides, **context),
        }

    def directory(self, entries):
        """Return the company phonebook as a ``CiscoIPPhoneDirectory`` for ``XML_Directory_Service_URL``.

        Format: Title, Prompt, then DirectoryEntry/Name/Telephone (Cisco Unified IP Phone Services Application
        Development Notes, "CiscoIPPhoneDirectory").
        """
        return self.render("directory.xml", "base", None, entries=entries)

    def read_lines(self, files):
        """Read back ``[(username, password, server, port)]`` from the per-MAC file, line 1 first."""
        lines = []
        for filename, content in files.items():
            if not self.sensitive(filename):
                continue
            values = {element.tag: element.text or "" for element in ElementTree.fromstring(content)}  # last wins
            numbers = sorted(int(m.group(1)) for key in values if (m := re.match(r"^Line_Enable_(\d+)_$", key)))
            for n in numbers:
                if values[f"Line_Enable_{n}_"] == "Yes":
                    server, _, port = values[f"Proxy_{n}_"].rpartition(":")
                    lines.append((values[f"Auth_ID_{n}_"], values[f"Password_{n}_"], server, int(port)))
        return lines

    @staticmethod
    def _keys(config):
        """Return ``[(key number, short name, Extended_Function)]``: the keys after the line keys.

        ``;`` and ``=`` separate the function's fields, so they are dropped from the number and the label.
        """
        keys = []
        for n, key in enumerate(config.keys, len(config.lines) + 1):
            if key.kind not in KEY_FUNCTIONS:
                raise ValueError(f"unsupported key kind {key.kind!r}")
            value, label = (re.sub(r"[;=\r\n]", "", text) for text in (key.value, key.label))
            keys.append((n, key.label, KEY_FUNCTIONS[key.kind].format(value=value, label=label)))
        return keys


def _gmt(minutes):
    """Write a UTC offset the way ``Time_Zone`` takes it: "GMT-03:00" (wazo_cisco_sip ``_format_tzinfo``)."""
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"GMT{sign}{hours:02d}:{rest:02d}"


def _dst_rule(zone):
    """Write ``Daylight_Saving_Time_Rule``, or None when the zone keeps no daylight time.

    "start=<month>/<day>/<weekday>[/HH[:mm]];end=...;save=<hours>": weekday 1-7 is Monday-Sunday, a positive day
    means that weekday on or after the date, -1 its last occurrence in the month (SPA500 and 8800 MPP admin
    guides, "Daylight Saving Time Rule"; default "start=3/-1/7/2;end=10/-1/7/2;save=1").
    """
    if zone.dst_start is None:
        return None

    def moment(change):
        day = -1 if change.week == 5 else (change.week - 1) * 7 + 1
        return f"{change.month}/{day}/{change.weekday}/{change.hour}"

    hours, minutes = divmod(zone.dst_minutes, 60)
    save = f"{hours}:{minutes:02d}" if minutes else f"{hours}"
    return f"start={moment(zone.dst_start)};end={moment(zone.dst_end)};save={save}"


cisco = register(Cisco())
