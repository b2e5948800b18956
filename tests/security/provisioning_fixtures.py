"""What the provisioning attacks need: the provisioning app, one phone per vendor, User-Agents with any MAC.

Not a conftest.py: other security tests share this folder. Test modules build their fixtures with
``provisioning_app``.
"""
import contextlib
import dataclasses
import re

from appliance import db, migrations
from appliance.services import Actor, extensions, phonebook
from provisioning import vendors

ADMIN = Actor.system("test")
PHONE_ADDRESS = "10.0.0.50"
ATTACKER = "10.6.6.6"


def _colons(mac):
    return ":".join(mac[i:i + 2] for i in range(0, 12, 2))


def _without_mac(user_agent, written):
    """Drop the MAC from ``user_agent`` with what marks it ("DevId", "(SN:...)", "(...)"), as firmware without it."""
    mac = re.escape(written)
    return " ".join(re.sub(rf"(?:DevId\s+)?(?:\((?:SN:)?{mac}\)|{mac})", "", user_agent).split())


class Phone:
    """A phone of one vendor, from a captured User-Agent (``Vendor.examples``) that carries its MAC.

    ``ua(mac)`` writes that User-Agent with any MAC, as the vendor writes it (lowercase, uppercase or colons);
    ``ua_without_mac`` is the same User-Agent without it, as firmware that sends no MAC writes it.
    """

    def __init__(self, vendor, model):
        found = vendors.load_all()[vendor]
        example = next(e for e in found.examples if e.model == model and e.mac)
        written = next(text for text in (example.mac, example.mac.upper(), _colons(example.mac))
                       if text in example.user_agent)
        self.vendor, self.model, self.mac = vendor, model, example.mac
        self._ua = example.user_agent.replace(written, "{mac}")
        self._case = {example.mac: str, example.mac.upper(): str.upper, _colons(example.mac): _colons}[written]
        self.ua_without_mac = _without_mac(example.user_agent, written)
        assert found.identify(self.ua_without_mac) == dataclasses.replace(found.identify(self.ua()), mac=None)

    def ua(self, mac=None):
        """Return the User-Agent carrying ``mac`` (default: this phone's), written as this vendor writes it."""
        return self._ua.replace("{mac}", self._case(mac or self.mac))

    def __repr__(self):
        return f"{self.vendor}-{self.model}"


#: One phone per vendor, and one more where a family writes its User-Agent another way (Cisco SPA, the
#: Grandstream ATA with its hardware version); everything else comes from the vendor's captured User-Agents.
PHONES = [
    Phone("yealink", "T46U"),
    Phone("fanvil", "X6U-V2"),
    Phone("grandstream", "GRP2614"),
    Phone("snom", "D785"),
    Phone("polycom", "SSIP5000"),
    Phone("cisco", "CP-8841-3PCC"),
    Phone("cisco", "SPA504G"),
    Phone("grandstream", "HT801"),
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
