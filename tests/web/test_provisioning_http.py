"""The phone-facing provisioning server: tokens, zero-touch, pending phones, bans."""
import pytest

from appliance import db, migrations
from appliance.models.extensions import Device, PendingPhone
from appliance.services import Actor, extensions, phones
from provisioning import http, vendors

YEALINK_UA = "Yealink SIP-T46U 108.86.0.20 80:5e:c0:00:00:02"
MAC = "805ec0000002"
ADMIN = Actor.system("test")


@pytest.fixture
def prov(tmp_path):
    """The provisioning app on a fresh database holding extensions 201 and 202."""
    app = http.create_app({"TESTING": True, "VAR_DIR": str(tmp_path), "ENGINE_ENABLED": False,
                           "DATABASE_URL": f"sqlite:///{tmp_path / 'prov.db'}", "SIP_BIND": "192.0.2.10"})
    migrations.upgrade(db.database.obj)
    extensions.create(extensions.ExtensionInput("201", "Recepção"), ADMIN)
    extensions.create(extensions.ExtensionInput("202", "Vendas"), ADMIN)
    yield app.test_client()
    db.close()


def get(client, path, ua=YEALINK_UA, address="10.0.0.50"):
    return client.get(path, headers={"User-Agent": ua}, environ_base={"REMOTE_ADDR": address})


def _credentials(vendor_name, files):
    return vendors.by_name(vendor_name).read_lines(files)


def test_an_unknown_phone_gets_no_secret_and_waits_for_an_admin(prov):
    assert get(prov, f"/prov/{MAC}.cfg").status_code == 404
    pending = PendingPhone.get(PendingPhone.mac == MAC)
    assert (pending.vendor, pending.model, pending.address) == ("yealink", "T46U", "10.0.0.50")
    boot = get(prov, "/prov/y000000000000.boot")
    assert boot.status_code == 200 and b"password" not in boot.data.lower()


def test_an_assigned_phone_gets_its_secrets_once_from_where_it_was_seen(prov):
    get(prov, f"/prov/{MAC}.cfg")
    pending = PendingPhone.get(PendingPhone.mac == MAC)
    device = phones.assign_pending(pending.id, "201", ADMIN, minutes=60)

    assert get(prov, f"/prov/{MAC}.cfg", address="10.0.0.99").status_code == 404  # another address
    first = get(prov, f"/prov/{MAC}.cfg")
    assert first.status_code == 200
    assert _credentials("yealink", {f"{MAC}.cfg": first.data}) == [(device.sip_username, device.sip_password,
                                                                   "192.0.2.10", 5060)]
    assert device.prov_token.encode() in first.data  # it is told where to come back, with its token
    assert get(prov, f"/prov/{MAC}.cfg").status_code == 404  # the window closed after one fetch


def test_the_token_url_serves_the_phone_and_only_that_phone(prov):
    device, changed = phones.save_phone(phones.PhoneInput(MAC, "yealink", "T46U", "202"), ADMIN, minutes=60)
    assert changed and not phones.save_phone(phones.PhoneInput(MAC, "yealink", "T46U", "202"), ADMIN, minutes=60)[1]
    token = device.prov_token

    served = get(prov, f"/prov/{token}/{MAC}.cfg")
    assert served.status_code == 200 and served.headers["Cache-Control"] == "no-store"
    assert get(prov, f"/prov/{token}/805ec0000003.cfg").status_code == 404  # someone else's MAC
    assert get(prov, f"/prov/{token}/{MAC}.cfg", ua="Fanvil X6U-V2 2.12.16.18 0c383e32a7cb").status_code == 404
    assert get(prov, f"/prov/{'0' * 32}/{MAC}.cfg").status_code == 404
    refreshed = Device.get_by_id(device.id)
    assert (refreshed.firmware, refreshed.last_fetch_address) == ("108.86.0.20", "10.0.0.50")


def test_the_directory_lists_the_company(prov):
    device, _ = phones.save_phone(phones.PhoneInput(MAC, "yealink", "T46U", "201"), ADMIN, minutes=60)
    directory = get(prov, f"/prov/{device.prov_token}/directory.xml")
    assert directory.status_code == 200
    assert b"Vendas" in directory.data and b"202" in directory.data


def test_enumerating_macs_yields_nothing_and_gets_the_address_banned(prov):
    served = 0
    statuses = set()
    for index in range(10_000):
        mac = f"805ec0{index:06x}"
        colons = ":".join(mac[i:i + 2] for i in range(0, 12, 2))
        response = get(prov, f"/prov/{mac}.cfg", ua=f"Yealink SIP-T46U 108.86.0.20 {colons}", address="10.6.6.6")
        served += response.status_code == 200
        statuses.add(response.status_code)
    assert served == 0
    assert statuses == {404, 403}
    assert phones.is_banned("10.6.6.6") and not phones.is_banned("10.0.0.50")
    assert get(prov, "/prov/y000000000000.boot", address="10.6.6.6").status_code == 403


def test_polycom_uploads_are_accepted_and_dropped(prov):
    response = prov.put(f"/prov/{MAC}-app.log", data=b"log line\n",
                        headers={"User-Agent": "FileTransport PolycomVVX-VVX_400-UA/6.4.6.2738 Type/Application"})
    assert response.status_code == 204
