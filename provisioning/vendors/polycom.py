"""Poly/Polycom phones on UC Software (VVX, SoundPoint IP, SoundStation IP, Poly Edge E, CCX): master and config files.

At boot the phone asks for ``<mac>.cfg`` (the default ``000000000000.cfg`` only when that is missing), an
``APPLICATION`` element naming the firmware (``APP_FILE_PATH``) and the config files (``CONFIG_FILES``); it then
fetches those files left to right and "the parameter found first in the list of files will be the one that is
effective" (SoundPoint IP admin guide 1.4, "Application Configuration Files"). We list ``<mac>-user.cfg`` (accounts,
keys, time, passwords) before ``common.cfg`` (the same for every phone, no secrets). The phone also asks for
``<mac>-phone.cfg``, ``<mac>-web.cfg``, ``<mac>-license.cfg`` and ``<mac>-directory.xml`` and PUTs its logs and
override files (Poly community FAQ "What files does my phone download or upload and why?").
"""
import re
from xml.etree import ElementTree

from provisioning.base import MAC_RE, Example, Identity, Vendor, check_extra, normalize_mac
from provisioning.timezones import zone_rules
from provisioning.vendors import register

#: Model prefix (as ``identify`` writes the model: "VVX400", "SPIP335", "EdgeE450", "CCX500") -> template family.
FAMILIES = {"VVX": "vvx", "SPIP": "soundpoint", "SSIP": "soundpoint", "Edge": "poly", "CCX": "poly"}
#: ``reg.N.server.1.transport`` (wazo-provd-plugins ``wazo_polycom/common/common.py`` ``_SIP_TRANSPORT``).
TRANSPORTS = {"udp": "UDPOnly", "tcp": "TCPOnly", "tls": "TLS"}
#: ``lcl.ml.lang``: "English_United_States" is in Wazo's ``_LOCALE``; "Portuguese_Brazil" follows the same
#: Language_Country pattern but no source read lists it (unverified: an unknown value leaves the phone in English).
LANGUAGES = {"pt_BR": "Portuguese_Brazil", "en": "English_United_States"}
#: Start of the daily window for polls that come less often than once a day (``prov.polling.time``).
POLL_WINDOW_START = 2 * 60
#: A raw parameter the admin may add: dotted names like ``voIpProt.SIP.useRFC2543hold``, nothing else.
EXTRA_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+$")
#: Files named after a phone: ours and the ones the phone asks for or uploads (FAQ above).
MAC_FILE_RE = re.compile(r"^([0-9A-Fa-f]{12})(?:\.cfg|-(?:user|phone|web|license)\.cfg|-directory\.xml"
                         r"|-(?:app|boot)\.log|-calls\.xml)$")
DEFAULT_MAC = "000000000000"
COMMON_FILE = "common.cfg"


def _ua(product, model):
    """Match ``FileTransport <product>-<model>-UA/<firmware> [(SN:<mac>)] [Type/...]``."""
    return re.compile(rf"^FileTransport {product}-(?P<model>{model}_\w+?)-UA/(?P<firmware>\d+(?:\.\d+)+)"
                      r"(?: \(SN:(?P<mac>[0-9A-Fa-f]{12})\))?(?: |$)")


class Polycom(Vendor):
    """Poly/Polycom desk and conference phones running UC Software 4.x or later (XML master + config files)."""

    name = "polycom"
    label = "Poly/Polycom"
    # 00:04:f2 is matched as Polycom in Wazo's dhcpd_update/polycom.conf (notes §A.1c); 64:16:7f and 48:25:67 are
    # the serials (= MACs) of the captured CCX User-Agents below.
    ouis = ("0004f2", "64167f", "482567")
    user_agents = (
        (_ua("PolycomVVX", "VVX"), "vvx"),
        (_ua("PolycomSoundPointIP", "SPIP"), "soundpoint"),
        (_ua("PolycomSoundStationIP", "SSIP"), "soundpoint"),
        (_ua("PolyEdge", "Edge"), "poly"),
        (_ua("PolyCCX", "CCX"), "poly"),
    )
    examples = (
        # wazo-provd-plugins wazo_polycom common.py
        Example("FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application", "VVX400", "4.1.4.7430", None, "vvx"),
        Example("FileTransport PolycomVVX-VVX_101-UA/5.4.3.1014 Type/Application", "VVX101", "5.4.3.1014", None, "vvx"),
        # a public provisioning script
        Example("FileTransport PolycomVVX-VVX_450-UA/5.9.1.0615 Type/Application", "VVX450", "5.9.1.0615", None, "vvx"),
        # wazo-provd-plugins wazo_polycom common.py
        Example("FileTransport PolycomSoundPointIP-SPIP_335-UA/3.2.1.0078", "SPIP335", "3.2.1.0078", None,
                "soundpoint"),
        Example("FileTransport PolycomSoundPointIP-SPIP_450-UA/3.2.3.1734", "SPIP450", "3.2.3.1734", None,
                "soundpoint"),
        Example("FileTransport PolycomSoundStationIP-SSIP_6000-UA/4.0.4.2906 Type/Application", "SSIP6000",
                "4.0.4.2906", None, "soundpoint"),
        # provisioner/Provisioner index.php
        Example("FileTransport PolycomSoundStationIP-SSIP_5000-UA/4.0.3.7562 (SN:0004f2e765da) Type/Application",
                "SSIP5000", "4.0.3.7562", "0004f2e765da", "soundpoint"),
        # a public provisioning script
        Example("FileTransport PolyEdge-Edge_E450-UA/8.0.0.15602 Type/Application", "EdgeE450", "8.0.0.15602", None,
                "poly"),
        # public test fixtures
        Example("FileTransport PolyCCX-CCX_500-UA/9.4.1.0508 (SN:64167f9f4c90) Type/Application", "CCX500",
                "9.4.1.0508", "64167f9f4c90", "poly"),
        Example("FileTransport PolyCCX-CCX_600-UA/8.0.2.3267 (SN:482567b5313f) Type/Application", "CCX600",
                "8.0.2.3267", "482567b5313f", "poly"),
    )
    extra_example = "voIpProt.SIP.useRFC2543hold"
    languages = LANGUAGES
    # Polycom phones act on "Event: check-sync" (Wazo's synchronize.standard_sip_synchronize, used for Polycom).
    # common.cfg sets voIpProt.SIP.specialEvent.checkSync.alwaysReboot="0": the phone fetches its files and
    # restarts only when a change needs it; "1" would reboot it on every NOTIFY (public Polycom templates).
    check_sync = {"Event": "check-sync"}

    def identify(self, user_agent):
        """Return the Identity in a Polycom ``FileTransport`` User-Agent, or None.

        Early in the boot the version is the BootROM's, later the application's (notes §A.1e). The MAC is in the
        UA only on some firmware ("SN:"); otherwise it comes from the requested path (``mac_from_path``).
        """
        for pattern, _family in self.user_agents:
            match = pattern.match((user_agent or "").strip())
            if match:
                mac = match.group("mac")
                return Identity(self.name, match["model"].replace("_", ""), match["firmware"],
                                normalize_mac(mac) if mac else None)
        return None

    def family_of(self, model):
        """Return the template family of ``model``; raise ValueError for a model we do not provision."""
        for prefix, family in FAMILIES.items():
            if re.fullmatch(rf"{prefix}[A-Z]?\d+\w*", model or ""):
                return family
        raise ValueError(f"unsupported Polycom model {model!r}")

    def mac_from_path(self, filename):
        """Return the MAC a per-phone file name carries (any case), or None for common and default files."""
        match = MAC_FILE_RE.fullmatch(filename.rsplit("/", 1)[-1])
        mac = match.group(1).lower() if match else None
        return None if mac == DEFAULT_MAC else mac

    def sensitive(self, filename):
        """Tell whether ``filename`` is a per-phone file: serve those only to the authenticated device.

        ``<mac>-user.cfg`` carries the passwords and ``<mac>.cfg`` the token URLs; the directory and override
        files name one phone too. A phone refused its ``<mac>.cfg`` falls back to ``000000000000.cfg``.
        """
        return self.mac_from_path(filename) is not None

    def files(self, config, overrides=None):
        """Return the master, the per-phone file and the common file, in the order the phone asks for them.

        With a provisioning URL the master names its config files by absolute URL (a config file "can be
        specified as a URL with its own protocol", SoundPoint IP admin guide): a phone that got its master
        without the token fetches the rest, and its later boots, from its own token URL. For the all-zero MAC
        (a phone not yet known) the master is the default ``000000000000.cfg``: ``[PHONE_MAC_ADDRESS]`` makes
        each phone ask for its own file (wazo_polycom ``000000000000.cfg``).
        """
        family = self.family_of(config.model)
        if not MAC_RE.fullmatch(config.mac):
            raise ValueError(f"invalid MAC {config.mac!r}")
        user_file = f"{config.mac}-user.cfg"
        listed = "[PHONE_MAC_ADDRESS]-user.cfg" if config.mac == DEFAULT_MAC else user_file
        base_url = config.provisioning_url.rstrip("/")
        config_files = [f"{base_url}/{name}" if base_url else name for name in (listed, COMMON_FILE)]
        context = {
            "transport": TRANSPORTS[config.transport],
            "language": LANGUAGES[config.language],
            "zone": zone_rules(config.timezone),
            "server_type": "HTTPS" if config.provisioning_url.lower().startswith("https:") else "HTTP",
            "polling": self._polling(config),
            "extra": check_extra(config.extra, EXTRA_KEY_RE, "Polycom"),
        }
        return {
            f"{config.mac}.cfg": self.render("master.cfg", family, config, overrides, config_files=config_files),
            user_file: self.render("user.cfg", family, config, overrides, **context),
            COMMON_FILE: self.render("common.cfg", family, config, overrides),
        }

    def directory(self, entries):
        """Return the company phonebook as a Polycom contact directory, served as ``<mac>-directory.xml``.

        Format: ``<directory><item_list><item><fn/><ln/><ct/>`` (SoundPoint IP admin guide 1.4, "Local Contact
        Directory File Format"); the boot server copy overwrites the phone's at each boot.
        """
        return self.render("directory.xml", "base", None, entries=entries)

    def read_lines(self, files):
        """Read back ``[(username, password, server, port)]`` from the per-phone file, account 1 first."""
        lines = []
        for filename, content in files.items():
            if not filename.endswith("-user.cfg"):
                continue
            values = {}
            for element in ElementTree.fromstring(content).iter():
                values.update(element.attrib)
            accounts = sorted({int(key.split(".")[1]) for key in values if re.match(r"^reg\.\d+\.address$", key)})
            lines += [(values[f"reg.{n}.auth.userId"], values[f"reg.{n}.auth.password"],
                       values[f"reg.{n}.server.1.address"], int(values[f"reg.{n}.server.1.port"])) for n in accounts]
        return lines

    @staticmethod
    def _polling(config):
        """Choose how the phone polls for changed files so a power cut does not become a request storm.

        ``prov.polling.mode="random"``: for a period of a day or less the first poll falls at a random time within
        the period; for longer periods the day comes from the MAC and the time is random between
        ``prov.polling.time`` and ``prov.polling.timeRandomEnd``; the period must exceed 3600 s (Polycom UC
        admin guide, "Provisional Polling of Polycom Phones"; Trio admin guide, prov.polling.* table).
        """
        period = max(3601, config.resync_interval_minutes * 60)
        window = max(1, -(-config.resync_random_delay_seconds // 60))
        end = min(POLL_WINDOW_START + window, 1439)
        return {"period": period, "time": f"{POLL_WINDOW_START // 60:02d}:{POLL_WINDOW_START % 60:02d}",
                "time_random_end": f"{end // 60:02d}:{end % 60:02d}"}


polycom = register(Polycom())
