"""Admin pages for desk phones (the provisioning server itself is in test_provisioning_http.py)."""
import datetime

import pytest

from appliance.models.extensions import Device, PendingPhone
from appliance.models.users import AuditEntry
from appliance.services import Actor, extensions


@pytest.fixture
def admin(auth):
    extensions.create(extensions.ExtensionInput("201", "Recepção"), Actor.system("test"))
    auth.login()
    return auth


def _add(client, admin, follow_redirects=False, **fields):
    data = {"mac": "80:5E:C0:12:34:56", "vendor": "yealink", "model": "T46U", "extension_number": "201",
            "csrf_token": admin.token("/telephony/phones")}
    data.update(fields)
    return client.post("/telephony/phones", data=data, follow_redirects=follow_redirects)


def test_a_phone_added_by_mac_gets_its_own_account_on_the_extension(admin, client):
    assert _add(client, admin).status_code == 302
    device = Device.get(Device.mac == "805ec0123456")
    assert device.sip_username == "201-2" and device.extension.number == "201"
    assert len(device.prov_token) == 32 and device.bootstrap_until is not None
    page = client.get("/telephony/phones").get_data(as_text=True)
    assert "805ec0123456" in page and "Yealink T46U" in page
    assert AuditEntry.get(AuditEntry.action == "phone.assign").target_name == "805ec0123456"


@pytest.mark.parametrize("fields, message", [
    ({"mac": "80:5e:c0:12:34"}, "Enter a MAC address of 12 hexadecimal digits."),
    ({"mac": "zz5ec0123456"}, "Enter a MAC address of 12 hexadecimal digits."),
    ({"model": "T99X"}, "T99X is not a supported Yealink model."),
    ({"vendor": "acme"}, "Not a valid choice."),
    ({"extension_number": "999"}, "Extension 999 does not exist."),
])
def test_bad_phone_input_is_explained_and_changes_nothing(admin, client, fields, message):
    response = _add(client, admin, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert not Device.select().where(Device.mac.is_null(False)).exists()


def test_a_pending_phone_is_assigned_from_the_page(admin, client):
    PendingPhone.create(mac="c074ad0b63ee", vendor="grandstream", model="GRP2614", address="10.0.0.7")
    page = client.get("/telephony/phones").get_data(as_text=True)
    assert "c074ad0b63ee" in page and "10.0.0.7" in page
    pending = PendingPhone.get()
    client.post(f"/telephony/phones/pending/{pending.id}/assign",
                data={"extension_number": "201", "csrf_token": admin.token("/telephony/phones")})
    device = Device.get(Device.mac == "c074ad0b63ee")
    assert device.bootstrap_address == "10.0.0.7" and not PendingPhone.select().exists()


def test_resync_without_a_running_engine_says_so(admin, client):
    _add(client, admin)
    response = client.post("/telephony/phones/resync", data={"csrf_token": admin.token("/telephony/phones")},
                           follow_redirects=True)
    assert "The phone system is not running." in response.get_data(as_text=True)


@pytest.mark.parametrize("how", ["added by MAC", "assigned while pending"])
def test_with_zero_touch_off_no_path_opens_a_window(app, admin, client, how):
    app.config["PROV_BOOTSTRAP_MINUTES"] = 0
    if how == "added by MAC":
        response = _add(client, admin, follow_redirects=True)
    else:
        PendingPhone.create(mac="805ec0123456", vendor="yealink", model="T46U", address="10.0.0.7")
        response = client.post(f"/telephony/phones/pending/{PendingPhone.get().id}/assign", follow_redirects=True,
                               data={"extension_number": "201", "csrf_token": admin.token("/telephony/phones")})
    device = Device.get(Device.mac == "805ec0123456")
    assert device.bootstrap_until is None
    page = response.get_data(as_text=True)
    assert f"/prov/{device.prov_token}/" in page  # the URL to type into the phone
    assert "Allow this address" not in page


def test_a_refused_address_is_shown_and_only_the_admin_can_let_it_in(admin, client):
    _add(client, admin)
    device = Device.get(Device.mac == "805ec0123456")
    Device.update(bootstrap_until=None, refused_address="10.9.9.9").where(Device.id == device.id).execute()
    page = client.get("/telephony/phones").get_data(as_text=True)
    assert "Refused without its token: 10.9.9.9" in page and "Allow this address" in page

    token = admin.token("/telephony/phones")
    Device.update(refused_address="10.6.6.6").where(Device.id == device.id).execute()  # someone else asked meanwhile
    stale = client.post(f"/telephony/phones/{device.id}/allow", data={"address": "10.9.9.9", "csrf_token": token},
                        follow_redirects=True)
    assert "Another address asked for this phone meanwhile" in stale.get_data(as_text=True)
    assert Device.get_by_id(device.id).bootstrap_until is None

    client.post(f"/telephony/phones/{device.id}/allow", data={"address": "10.6.6.6", "csrf_token": token})
    allowed = Device.get_by_id(device.id)
    assert allowed.bootstrap_until is not None and allowed.bootstrap_address == "10.6.6.6"
    assert allowed.refused_address == "" and AuditEntry.get(AuditEntry.action == "phone.allow_address")


def test_a_pending_phone_shows_another_address_that_asked_with_its_mac(admin, client):
    PendingPhone.create(mac="c074ad0b63ee", vendor="grandstream", model="GRP2614", address="10.0.0.7",
                        other_address="10.6.6.6", other_seen_at=datetime.datetime(2026, 1, 2, 3, 4))
    page = client.get("/telephony/phones").get_data(as_text=True)
    assert "Also asked from 10.6.6.6" in page and '<option value="10.6.6.6">' in page

    token = admin.token("/telephony/phones")
    client.post(f"/telephony/phones/pending/{PendingPhone.get().id}/assign",
                data={"extension_number": "201", "address": "10.9.9.9", "csrf_token": token})  # neither address
    assert PendingPhone.select().count() == 1 and not Device.select().where(Device.mac.is_null(False)).exists()
    client.post(f"/telephony/phones/pending/{PendingPhone.get().id}/assign",
                data={"extension_number": "201", "address": "10.6.6.6", "csrf_token": token})  # the admin's choice
    assert Device.get(Device.mac == "c074ad0b63ee").bootstrap_address == "10.6.6.6"
