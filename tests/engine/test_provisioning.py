"""Phones boot from the provisioning server and register to the real Asterisk with what they were given."""
import pytest

from appliance import db, migrations
from appliance.services import Actor, extensions, phones
from provisioning import http, vendors
from tests.engine.sipp import Sipp
from tests.pbx import driven_engine

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")

#: (vendor, model, captured User-Agent, MAC) — one phone per vendor family, UAs as the vendors' phones send them.
PHONES = [
    ("yealink", "T46U", "Yealink SIP-T46U 108.86.0.20 80:5e:c0:00:00:02", "805ec0000002"),
    ("yealink", "T31G", "Yealink SIP-T31G 124.85.257.55 80:5e:c0:d5:7d:72", "805ec0d57d72"),
    ("fanvil", "X6U-V2", "Fanvil X6U-V2 2.12.16.18 0c383e32a7cb", "0c383e32a7cb"),
    ("grandstream", "GRP2614", "Grandstream Model HW GRP2614 SW 1.0.5.15 DevId c074ad0b63ee", "c074ad0b63ee"),
    ("snom", "D785", "Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 1.1.3-s OpenSSL 1.1.1 000413922D24 "
                     "Build 2)", "000413922d24"),
    ("polycom", "VVX400", "FileTransport PolycomVVX-VVX_400-UA/6.4.6.2738 Type/Application", "0004f2aabbcc"),
    ("cisco", "CP-8841-3PCC", "Cisco-CP-8841-3PCC/11.3.7 (00562b043615)", "00562b043615"),
]


@pytest.fixture(scope="module")
def pbx(tmp_path_factory):
    """The provisioning app and a real Asterisk sharing one database."""
    tmp = tmp_path_factory.mktemp("prov")
    app = http.create_app({"TESTING": True, "VAR_DIR": str(tmp), "ENGINE_ENABLED": False,
                           "DATABASE_URL": f"sqlite:///{tmp / 'app.db'}"})
    migrations.upgrade(db.database.obj)
    try:
        with driven_engine() as engine:
            yield app.test_client(), engine
    finally:
        db.close()


def _boot(client, vendor, device, ua):
    """Boot as a factory phone added by MAC: its files in order, without the token until a file gives it its
    token URL (zero-touch), then with it. Every file must be served."""
    config = phones.phone_config(device, {**client.application.config}, "http://prov.test/prov")
    fetched, token = {}, None
    for filename in vendor.files(config):
        response = client.get(f"/prov/{token}/{filename}" if token else f"/prov/{filename}",
                              headers={"User-Agent": ua}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
        assert response.status_code == 200, (filename, token, response.status_code)
        fetched[filename] = response.data
        if device.prov_token.encode() in response.data:
            token = device.prov_token
    assert token, "no file gave the phone its token URL"
    return fetched


@pytest.mark.parametrize("vendor_name, model, ua, mac", PHONES, ids=[p[1] for p in PHONES])
def test_a_provisioned_phone_registers_with_the_credentials_in_its_files(pbx, tmp_path, vendor_name, model, ua, mac):
    client, engine = pbx
    vendor = vendors.load_all()[vendor_name]
    number = str(400 + PHONES.index((vendor_name, model, ua, mac)))
    extensions.create(extensions.ExtensionInput(number, f"Mesa {model}"), ADMIN)
    device, _ = phones.save_phone(phones.PhoneInput(mac, vendor_name, model, number), ADMIN, minutes=60)

    files = _boot(client, vendor, device, ua)
    [(username, password, server, port)] = vendor.read_lines(files)

    assert (username, password) == (device.sip_username, device.sip_password)
    assert (server, int(port)) == (engine.settings.bind_address, engine.settings.sip_port)
    assert Sipp(engine.settings.sip_port, workdir=tmp_path).register(username, password).ok


def test_re_provision_sends_the_vendors_check_sync_notify(pbx, tmp_path):
    client, engine = pbx
    extensions.create(extensions.ExtensionInput("480", "Resync"), ADMIN)
    device, _ = phones.save_phone(phones.PhoneInput("805ec0abcdef", "yealink", "T46U", "480"), ADMIN, minutes=60)

    result = Sipp(engine.settings.sip_port, workdir=tmp_path).expect_notify(
        device.sip_username, device.sip_password, lambda: phones.resync([device.id], ADMIN), "check-sync")

    assert result.ok, str(result)
    assert [n for n in result.received_requests("NOTIFY") if "Event: check-sync" in n]
