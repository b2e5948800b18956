"""Yealink desk phones (T3x, T4xS, T4xU, T5x) and the W60B DECT base: boot file, model file, per-MAC file.

A Yealink asks for ``<mac>.boot``, then the common ``y000000000000.boot``, and fetches the files that boot file
lists, top to bottom (Yealink T2/T4/T5 admin guide, "Boot Files"). We serve no ``<mac>.boot``: the common boot
file names the model's ``y0000000000XX.cfg`` (no secrets) and then ``<mac>.cfg`` (accounts, keys, admin password).
"""
import re
from math import ceil

from provisioning.base import Example, Vendor, identify_with
from provisioning.timezones import zone_rules
from provisioning.vendors import register

#: Model family (template folder) -> (hardware id, models). The hardware id is the first field of the firmware
#: version and the XX of ``y0000000000XX.cfg`` (Yealink admin guide "Common CFG File"; the ids are the firmware
#: prefixes of each family in wazo-provd-plugins ``wazo_yealink/v86/entry.py`` MODEL_INFO).
FAMILIES = {
    "t3x": (124, ("T30", "T30P", "T31", "T31P", "T31G", "T33P", "T33G", "T34W")),
    "t4xs": (66, ("T41S", "T42S", "T46S", "T48S")),
    "t4xu": (108, ("T41U", "T42U", "T43U", "T46U", "T48U")),
    "t5x": (96, ("T53", "T53W", "T54W", "T57W")),
    "w60b": (77, ("W60B",)),
}
MODEL_FAMILY = {model: family for family, (_, models) in FAMILIES.items() for model in models}

#: ``account.N.sip_server.1.transport_type`` (wazo-provd-plugins v86 common.py ``_SIP_TRANSPORT``).
TRANSPORTS = {"udp": 0, "tcp": 1, "tls": 2}
#: ``linekey.N.type``: 15 line, 16 BLF, 13 speed dial (wazo-provd-plugins v86 ``BaseYealinkFunckeyGenerator``).
KEY_TYPES = {"blf": 16, "speeddial": 13}
LINE_KEY_TYPE = 15
#: ``lang.gui``/``lang.wui`` take the language's English name (Wazo ``_LOCALE`` uses "English", "French"...).
LANGUAGES = {"pt_BR": "Portuguese", "en": "English"}
#: Start of the nightly window in which each phone picks its random resync minute (admin guide default, 02:00).
RESYNC_WINDOW_START = 2 * 60
#: A raw key the admin may add: dotted lowercase words, nothing that could end the line or start a comment.
EXTRA_KEY_RE = re.compile(r"^[a-z0-9_]+(?:\.[a-z0-9_]+)+$")
MAC_FILE_RE = re.compile(r"^([0-9a-f]{12})\.cfg$")


def _ua(family):
    """Return the pattern of ``Yealink [SIP-]<model> <firmware> [<mac with colons>]`` for the models of ``family``."""
    models = "|".join(FAMILIES[family][1])
    return re.compile(
        rf"^[Yy]ealink\s+(?:SIP-)?(?P<model>{models})\s+(?P<firmware>\d+(?:\.\d+){{3}})"
        r"(?:\s+(?P<mac>(?:[0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}))?$"
    )


def _offset_text(minutes):
    """Write a UTC offset the way ``local_time.time_zone`` takes it: "-3", "+0", "+5:30"."""
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}:{rest:02d}" if rest else f"{sign}{hours}"


def parse_cfg(text):
    """Parse a Yealink ``key = value`` file into a dict (later keys win, as on the phone)."""
    values = {}
    for line in text.splitlines():
        if line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip()
    return values


class Yealink(Vendor):
    """Yealink T3x/T4x/T5x desk phones and W60B DECT bases, firmware v8x."""

    name = "yealink"
    label = "Yealink"
    # Yealink OUIs (wazo-provd-plugins v86 common.py KNOWN_MAC_PREFIXES; notes §A.1c).
    ouis = ("001565", "805ec0", "249ad8", "44dbd2", "e434d7")
    user_agents = tuple((_ua(family), family) for family in FAMILIES)
    examples = (
        # wazo-provd-plugins v86 common.py (captured UAs in its comments)
        Example("Yealink SIP-T31G 124.85.257.55 80:5e:c0:d5:7d:72", "T31G", "124.85.257.55", "805ec0d57d72", "t3x"),
        Example("Yealink SIP-T33G 124.85.257.55 80:5e:c0:bd:ea:ef", "T33G", "124.85.257.55", "805ec0bdeaef", "t3x"),
        Example("Yealink SIP-T34W 124.86.0.75 24:9a:d8:88:d0:f4", "T34W", "124.86.0.75", "249ad888d0f4", "t3x"),
        # notes §A.1e, where the MAC is masked (80:5e:c0:xx:xx:xx); 66.86.0.15 is Wazo's T46S firmware
        Example("Yealink SIP-T46S 66.86.0.15 80:5e:c0:aa:bb:cc", "T46S", "66.86.0.15", "805ec0aabbcc", "t4xs"),
        # test fixtures of public provisioning projects (PHP and C#), no MAC in the second
        Example("Yealink SIP-T46U 108.86.0.20 80:5e:c0:00:00:02", "T46U", "108.86.0.20", "805ec0000002", "t4xu"),
        Example("Yealink SIP-T43U 108.84.0.50", "T43U", "108.84.0.50", None, "t4xu"),
        # a public provisioning server's Go test fixture
        Example("Yealink SIP-T54W 96.86.0.70 80:5e:c0:aa:bb:cc", "T54W", "96.86.0.70", "805ec0aabbcc", "t5x"),
        # FreePBX framework, its list of example User-Agents
        Example("Yealink SIP-T54W 96.85.0.5", "T54W", "96.85.0.5", None, "t5x"),
        # wazo-provd-plugins xivo-yealink common.py: a DECT base writes no "SIP-"
        Example("Yealink W60B 77.81.0.35 80:5e:c0:09:ab:dc", "W60B", "77.81.0.35", "805ec009abdc", "w60b"),
    )
    unsupported_examples = (
        ("Yealink SIP-T23G 44.80.0.60 00:15:65:93:70:f2", "T23G"),  # a T2x (wazo-provd-plugins v86 common.py)
        ("Yealink SIP-T38G  38.0.0.105 00:15:65:27:c7:64", "T38G"),  # an old T3x (provisioner/Provisioner index.php)
    )
    extra_example = "features.dnd.enable"
    languages = LANGUAGES
    # A plain check-sync makes the phone re-read its files without rebooting (``sip.notify_reboot_enable = 0``
    # below); "check-sync;reboot=true" also reboots it (Yealink auto provisioning guide, "SIP NOTIFY Message").
    mac_file_re = MAC_FILE_RE
    check_sync = {"Event": "check-sync"}

    def identify(self, user_agent):
        """Return the Identity in a Yealink User-Agent, or None."""
        return identify_with(self, user_agent)

    def family_of(self, model):
        """Return the template family of ``model``; raise ValueError for a model we do not provision."""
        try:
            return MODEL_FAMILY[model]
        except KeyError:
            raise ValueError(f"unsupported Yealink model {model!r}") from None

    def files(self, config, overrides=None):
        """Return the boot file, the model's common file and the per-MAC file, in the order the phone asks."""
        family = self.family_of(config.model)
        self.check_mac(config)
        common_file = f"y{FAMILIES[family][0]:012d}.cfg"
        mac_file = f"{config.mac}.cfg"
        zone = zone_rules(config.timezone)
        context = {
            "common_file": common_file,
            "mac_file": mac_file,
            "transport": TRANSPORTS[config.transport],
            "language": LANGUAGES[config.language],
            "zone": zone,
            "time_zone": _offset_text(zone.offset_minutes),
            "schedule": self._schedule(config),
            "linekeys": self._linekeys(config),
            "extra": self._extra(config),
        }
        return {
            "y000000000000.boot": self.render("y000000000000.boot", family, config, overrides, **context),
            common_file: self.render("common.cfg", family, config, overrides, **context),
            mac_file: self.render("mac.cfg", family, config, overrides, **context),
        }

    def directory(self, entries):
        """Return the company phonebook as a Yealink remote phonebook (``YealinkIPPhoneBook``)."""
        return self.render("directory.xml", "base", None, entries=entries)

    def read_settings(self, filename, content):
        """Parse a boot or config file into ``[(key, value)]``; a line that is no ``key = value`` is its own row.

        The phonebook is XML, read as every vendor's XML is.
        """
        if filename.endswith(".xml"):
            return super().read_settings(filename, content)
        rows = []
        for line in content.decode("utf-8").splitlines():
            key, equals, value = line.partition("=")
            if line.strip() and not line.startswith("#"):
                rows.append((key.strip(), value.strip()) if equals else (line.strip(), ""))
        return rows

    def read_lines(self, files):
        """Read back ``[(username, password, server, port)]`` from the per-MAC files, account 1 first."""
        lines = []
        for filename, content in files.items():
            if not self.sensitive(filename):
                continue
            values = parse_cfg(content.decode("utf-8"))
            accounts = sorted({int(key.split(".")[1]) for key in values if re.match(r"^account\.\d+\.enable$", key)})
            for n in accounts:
                if values[f"account.{n}.enable"] == "1":
                    lines.append((values[f"account.{n}.user_name"], values[f"account.{n}.password"],
                                  values[f"account.{n}.sip_server.1.address"],
                                  int(values[f"account.{n}.sip_server.1.port"])))
        return lines

    @staticmethod
    def _schedule(config):
        """Choose the periodic resync mode from the interval and the random window.

        Yealink has no power-on random delay. Whole days use "flexible" mode: each phone picks a random minute
        inside a nightly window as wide as ``resync_random_delay_seconds`` (admin guide,
        ``static.auto_provision.flexible.*``), so a power cut does not line every phone up for the next check.
        Shorter intervals use "repeatedly" mode (``static.auto_provision.repeat.minutes``), which has no spread.
        """
        minutes = config.resync_interval_minutes
        if minutes % 1440:
            return {"repeat_minutes": minutes}
        window = min(max(1, ceil(config.resync_random_delay_seconds / 60)), 1439)
        end = (RESYNC_WINDOW_START + window) % 1440
        return {"days": minutes // 1440, "begin": f"{RESYNC_WINDOW_START // 60:02d}:{RESYNC_WINDOW_START % 60:02d}",
                "end": f"{end // 60:02d}:{end % 60:02d}"}

    @staticmethod
    def _linekeys(config):
        """Return ``[(linekey, type, account, value, label)]``: one line key per account, then the BLF/speed dials."""
        keys = [(n, LINE_KEY_TYPE, n, line.extension, line.extension) for n, line in enumerate(config.lines, 1)]
        for n, key in enumerate(config.keys, len(config.lines) + 1):
            if key.kind not in KEY_TYPES:
                raise ValueError(f"unsupported key kind {key.kind!r}")
            keys.append((n, KEY_TYPES[key.kind], 1, key.value, key.label))
        return keys

    @staticmethod
    def _extra(config):
        """Return the admin's raw settings as ``[(key, value)]`` after checking every key's shape."""
        for key in config.extra:
            if not EXTRA_KEY_RE.fullmatch(key):
                raise ValueError(f"invalid Yealink setting name {key!r}")
        return sorted(config.extra.items())


yealink = register(Yealink())
