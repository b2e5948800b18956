"""What the provisioning attacks need: the provisioning app, one phone per vendor, User-Agents with any MAC.

Not a conftest.py: other security tests share this folder. Test modules build their fixtures with
``provisioning_app``.
"""
import contextlib

from appliance import db, migrations
from appliance.services import Actor, extensions, phonebook

ADMIN = Actor.system("test")
PHONE_ADDRESS = "10.0.0.50"
ATTACKER = "10.6.6.6"


def _colons(mac):
    return ":".join(mac[i:i + 2] for i in range(0, 12, 2))


class Phone:
    """A phone model of one vendor: its MAC, and its real User-Agent with and without a MAC in it."""

    def __init__(self, vendor, model, mac, ua_with_mac, ua_without_mac):
        self.vendor, self.model, self.mac = vendor, model, mac
        self._ua, self.ua_without_mac = ua_with_mac, ua_without_mac

    def ua(self, mac=None):
        """Return the User-Agent carrying ``mac`` (default: this phone's), written as this vendor writes it."""
        mac = mac or self.mac
        return self._ua.format(mac=mac, MAC=mac.upper(), colons=_colons(mac))

    def __repr__(self):
        return f"{self.vendor}-{self.model}"


#: One phone per vendor family, User-Agents as captured (provisioning/vendors/*.py cite where from).
PHONES = [
    Phone("yealink", "T46U", "805ec0000002", "Yealink SIP-T46U 108.86.0.20 {colons}", "Yealink SIP-T46U 108.84.0.50"),
    Phone("fanvil", "X6U-V2", "0c383e32a7cb", "Fanvil X6U-V2 2.12.16.18 {mac}", "Fanvil X6U-V2 2.12.16.18"),
    Phone("grandstream", "GRP2614", "c074ad0b63ee", "Grandstream Model HW GRP2614 SW 1.0.5.15 DevId {mac}",
          "Grandstream GRP2614 1.0.5.15"),
    Phone("snom", "D785", "000413922d24",
          "Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 {MAC} SXM:0 UXM:0)",
          "Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5)"),
    Phone("polycom", "VVX400", "0004f2aabbcc",
          "FileTransport PolycomVVX-VVX_400-UA/6.4.6.2738 (SN:{mac}) Type/Application",
          "FileTransport PolycomVVX-VVX_400-UA/6.4.6.2738 Type/Application"),
    Phone("cisco", "CP-8841-3PCC", "00562b043615", "Cisco-CP-8841-3PCC/11.3.7 ({mac})", "Cisco-CP-8841-3PCC/11.3.7"),
    Phone("cisco", "SPA504G", "0002fdff2103", "Cisco/SPA504G-7.4.4 ({MAC})(CBT141400UK)",
          "Cisco/SPA504G-7.4.4 (CBT141400UK)"),
    Phone("grandstream", "HT801", "c074ad273a10", "Grandstream Model HW HT801 V1.1A SW 1.0.17.5 DevId {mac}",
          "Grandstream HT801 1.0.17.5"),
]


@contextlib.contextmanager
def provisioning_app(tmp_path):
    """The provisioning app on a fresh database: extension 201 with a personal contact, 202, a shared contact."""
    from provisioning import http

    app = http.create_app({"TESTING": True, "VAR_DIR": str(tmp_path), "ENGINE_ENABLED": False,
                           "DATABASE_URL": f"sqlite:///{tmp_path / 'prov.db'}", "SIP_BIND": "192.0.2.10"})
    migrations.upgrade(db.database.obj)
    ana, _ = extensions.create(extensions.ExtensionInput("201", "Recepção"), ADMIN)
    extensions.create(extensions.ExtensionInput("202", "Vendas"), ADMIN)
    phonebook.create(ana, phonebook.ContactInput("Segredo da Ana", numbers=[("mobile", "11 91234-5678")]), ADMIN)
    phonebook.create(None, phonebook.ContactInput("Suporte TI", numbers=[("work", "11 3333-4444")]), ADMIN,
                     shared=True)
    try:
        yield app
    finally:
        db.close()


def fetch(client, path, ua, address=PHONE_ADDRESS):
    """GET ``path`` from ``address`` with User-Agent ``ua``."""
    return client.get(path, headers={"User-Agent": ua}, environ_base={"REMOTE_ADDR": address})
