"""Attacks on the provisioning server (issue 9, findings 1-4 and 14), performed and shown to get nothing."""
import datetime
import sqlite3
import threading

import pytest

from appliance.models.extensions import Device
from appliance.models.phones import PendingPhone
from appliance.models.users import utcnow
from appliance.services import phones
from provisioning import vendors
from tests.security.provisioning_fixtures import ADMIN, ATTACKER, PHONE_ADDRESS, PHONES, fetch

BASE = "http://localhost/prov"
DIRECTORIES = ("directory.xml", "phonebook.xml")


def _assign(phone, minutes=60, **kwargs):
    return phones.save_phone(phones.PhoneInput(phone.mac, phone.vendor, phone.model, "201"), ADMIN, minutes=minutes,
                             **kwargs)[0]


def _files(client, device):
    """The files the device's phone asks for, in its order (what ``Vendor.files`` produces for it)."""
    vendor = vendors.by_name(device.vendor)
    return list(vendor.files(phones.phone_config(device, client.application.config, BASE)))


def _secrets(device):
    return [device.sip_password, device.phone_admin_password, device.prov_token, "Segredo da Ana"]


def zero_touch_boot(client, phone, device, ua):
    """Boot as a factory phone: its files in order without the token until one gives it its token URL, then with it.

    Every answer must be served; the ones before the token must carry no secret. Return the files.
    """
    fetched, token = {}, None
    for filename in _files(client, device):
        response = fetch(client, f"/prov/{token}/{filename}" if token else f"/prov/{filename}", ua)
        assert response.status_code == 200, (filename, token, response.status_code)
        fetched[filename] = response.data
        if token is None and device.prov_token.encode() in response.data:
            token = device.prov_token  # this file told the phone where to come back
            assert vendors.by_name(phone.vendor).sensitive(filename), filename
        elif token is None:
            assert not [s for s in _secrets(device) if s.encode() in response.data], filename
    assert token, "no file gave the phone its token URL"
    return fetched


def test_every_vendor_is_attacked():
    assert {phone.vendor for phone in PHONES} == set(vendors.load_all())


@pytest.mark.parametrize("phone", PHONES, ids=repr)
def test_a_phone_added_by_mac_still_provisions_itself_by_zero_touch(prov, phone):
    device = _assign(phone)

    files = zero_touch_boot(prov, phone, device, phone.ua())

    assert vendors.by_name(phone.vendor).read_lines(files) == [
        (device.sip_username, device.sip_password, "192.0.2.10", 5060)]
    own_file = next(name for name in files if vendors.by_name(phone.vendor).sensitive(name))
    assert fetch(prov, f"/prov/{own_file}", phone.ua()).status_code == 404  # once means once


@pytest.mark.parametrize("state", ["provisioned", "window open for the phone's address"])
@pytest.mark.parametrize("phone", PHONES, ids=repr)
def test_the_mac_is_never_a_credential(prov, phone, state):
    """Finding 1: every file, the MAC in the User-Agent and/or the path, no token: nothing, then a ban."""
    device = _assign(phone, bootstrap_address=PHONE_ADDRESS)
    if state == "provisioned":
        zero_touch_boot(prov, phone, device, phone.ua())
    vendor = vendors.by_name(phone.vendor)
    attempts = []
    for name in [*_files(prov, device), *DIRECTORIES, f"{phone.mac}-directory.xml"]:
        attempts.append((name, phone.ua()))
        if vendor.mac_from_path(name) == phone.mac:  # the MAC in the path alone names the phone
            attempts.append((name, phone.ua_without_mac))
    limit = prov.application.config["PROV_BAN_FAILURES"]

    for n in range(max(limit, len(attempts)) + 1):
        name, ua = attempts[n % len(attempts)]
        response = fetch(prov, f"/prov/{name}", ua, ATTACKER)
        assert response.status_code == (404 if n < limit else 403), (n, name, ua)
        assert not [s for s in _secrets(device) if s.encode() in response.data], (name, ua)
        assert phones.is_banned(ATTACKER) == (n + 1 >= limit)

    assert Device.get_by_id(device.id).refused_address == ATTACKER  # shown to the admin
    if state != "provisioned":  # the attacker did not use up the phone's window
        zero_touch_boot(prov, phone, device, phone.ua())


def test_the_window_of_a_phone_added_by_mac_belongs_to_the_first_address_that_asks(prov):
    yealink = PHONES[0]
    device = _assign(yealink)
    assert fetch(prov, "/prov/y000000000000.boot", yealink.ua()).status_code == 200  # the phone asks first

    assert fetch(prov, f"/prov/{yealink.mac}.cfg", yealink.ua(), ATTACKER).status_code == 404
    assert Device.get_by_id(device.id).refused_address == ATTACKER
    assert device.sip_password.encode() in fetch(prov, f"/prov/{yealink.mac}.cfg", yealink.ua()).data


def test_replaying_a_pending_phones_mac_does_not_move_its_window(prov):
    yealink = PHONES[0]
    assert fetch(prov, f"/prov/{yealink.mac}.cfg", yealink.ua()).status_code == 404  # the real phone, first
    for _ in range(3):
        fetch(prov, f"/prov/{yealink.mac}.cfg", yealink.ua(), ATTACKER)
    pending = PendingPhone.get(PendingPhone.mac == yealink.mac)
    assert (pending.address, pending.other_address) == (PHONE_ADDRESS, ATTACKER)

    device = phones.assign_pending(pending.id, "201", ADMIN, minutes=60)  # the admin clicks "assign"

    assert device.bootstrap_address == PHONE_ADDRESS
    assert fetch(prov, f"/prov/{yealink.mac}.cfg", yealink.ua(), ATTACKER).status_code == 404
    assert device.sip_password.encode() in fetch(prov, f"/prov/{yealink.mac}.cfg", yealink.ua()).data


def test_a_mac_someone_else_asked_with_first_neither_bans_the_phone_nor_takes_its_window_silently(prov):
    yealink = PHONES[0]
    fetch(prov, "/prov/y000000000000.boot", yealink.ua(), ATTACKER)  # the attacker read the label first
    for _ in range(prov.application.config["PROV_BAN_FAILURES"] * 2):  # the real phone boots, and boots again
        assert fetch(prov, "/prov/y000000000000.boot", yealink.ua()).status_code == 200
    assert not phones.is_banned(PHONE_ADDRESS)
    pending = PendingPhone.get(PendingPhone.mac == yealink.mac)
    assert (pending.address, pending.other_address) == (ATTACKER, PHONE_ADDRESS)  # both shown; the admin chooses

    device = phones.assign_pending(pending.id, "201", ADMIN, minutes=60, address=PHONE_ADDRESS)

    assert fetch(prov, f"/prov/{yealink.mac}.cfg", yealink.ua(), ATTACKER).status_code == 404
    assert device.sip_password.encode() in fetch(prov, f"/prov/{yealink.mac}.cfg", yealink.ua()).data


@pytest.mark.parametrize("phone", PHONES[:1] + PHONES[5:6], ids=repr)
def test_with_zero_touch_off_only_the_token_gets_the_secrets(prov, phone):
    device = _assign(phone, minutes=0, bootstrap_address=PHONE_ADDRESS)
    assert device.bootstrap_until is None

    for name in _files(prov, device):
        response = fetch(prov, f"/prov/{name}", phone.ua())
        assert response.status_code == 404 and device.sip_password.encode() not in response.data
    assert device.sip_password.encode() in b"".join(
        fetch(prov, f"/prov/{device.prov_token}/{name}", phone.ua()).data for name in _files(prov, device))


@pytest.mark.parametrize("phone", PHONES, ids=repr)
def test_guessing_macs_in_the_user_agent_gets_the_guesser_banned(prov, phone):
    """Finding 2: 300 MACs guessed through the User-Agent on a common file."""
    conf = prov.application.config
    vendor = vendors.by_name(phone.vendor)
    common = [name for name in vendor.files(phones.common_config(phone.model, conf, BASE))
              if not vendor.sensitive(name)]
    limit = conf["PROV_BAN_FAILURES"]

    statuses = [fetch(prov, f"/prov/{common[n % len(common)]}", phone.ua(phone.mac[:6] + f"{n:06x}"),
                      ATTACKER).status_code for n in range(300)]

    assert statuses == [200] * limit + [403] * (300 - limit)  # every guess counts; the limit-th one bans
    assert PendingPhone.select().count() <= min(limit, conf["PROV_PENDING_PER_ADDRESS"])


def test_pending_phones_are_capped_per_address_and_in_all(prov):
    conf = prov.application.config
    conf.update(PROV_BAN_FAILURES=1000, PROV_PENDING_PER_ADDRESS=3, PROV_PENDING_MAX=5)
    yealink = PHONES[0]

    answers = [fetch(prov, "/prov/y000000000000.boot", yealink.ua(f"805ec0{n:06x}"), ATTACKER).status_code
               for n in range(10)]
    for host in range(10):
        fetch(prov, "/prov/y000000000000.boot", yealink.ua(f"805ec1{host:06x}"), f"10.7.7.{host}")

    assert answers == [200] * 3 + [404] * 7
    assert PendingPhone.select().where(PendingPhone.address == ATTACKER).count() == 3
    assert PendingPhone.select().count() == 5


def test_an_unknown_phone_that_keeps_asking_is_not_banned(prov):
    yealink = PHONES[0]
    for _ in range(prov.application.config["PROV_BAN_FAILURES"] * 2):
        assert fetch(prov, "/prov/y000000000000.boot", yealink.ua()).status_code == 200
        assert fetch(prov, f"/prov/{yealink.mac}.cfg", yealink.ua()).status_code == 404
    assert not phones.is_banned(PHONE_ADDRESS)
    assert PendingPhone.get(PendingPhone.mac == yealink.mac).address == PHONE_ADDRESS


def test_silent_pending_phones_expire_in_a_daemon_job(prov_app, tmp_path, monkeypatch):
    from appliance import daemon

    now = utcnow()
    PendingPhone.create(mac="805ec0000001", vendor="yealink", address="10.0.0.1",
                        last_seen=now - datetime.timedelta(hours=25))
    PendingPhone.create(mac="805ec0000003", vendor="yealink", address="10.0.0.3", last_seen=now)
    jobs = {}

    class Scheduler:
        def __init__(self, **options):
            pass

        def add_job(self, func, trigger=None, args=(), id=None, **options):
            jobs[id] = (func, args)

        def start(self):
            pass

        def shutdown(self, wait=True):
            pass

    monkeypatch.setattr(daemon, "BackgroundScheduler", Scheduler)
    stop = threading.Event()
    stop.set()
    runner = threading.Thread(target=daemon.run, args=(prov_app.config, stop))  # not the main thread: no signals
    runner.start()
    runner.join(timeout=30)

    func, args = jobs["pending-phones-expiry"]
    func(*args)
    assert [p.mac for p in PendingPhone.select()] == ["805ec0000003"]


@pytest.mark.parametrize("phone", PHONES, ids=repr)
def test_phonebooks_need_the_token(prov, phone):
    """Finding 4: the phonebook with the MAC in the User-Agent, even from the phone's address in its window."""
    device = _assign(phone, bootstrap_address=PHONE_ADDRESS)
    names = [*DIRECTORIES, f"{phone.mac}-directory.xml"]

    for name in names:
        response = fetch(prov, f"/prov/{name}", phone.ua())
        assert response.status_code == 404 and b"Segredo da Ana" not in response.data and b"Vendas" not in response.data

    for name in names:  # the phone with its token gets the company and its extension's own contacts
        response = fetch(prov, f"/prov/{device.prov_token}/{name}", phone.ua())
        assert response.status_code == 200 and b"Segredo da Ana" in response.data and b"Vendas" in response.data


JUNK = ["", "cfg", "x" * 300, "../../etc/passwd", "a/b/c.xml", "%00.cfg", "000000000000.cfg", "cfg000000000000.xml",
        "snomD785-000000000000.htm", "y000000000000.boot", "CP-8841-3PCC.xml", "0c383e32a7cb-directory.xml"]


def test_no_request_to_prov_gives_a_server_error(prov_app):
    """Finding 14: every vendor's User-Agent carrying every other vendor's assigned MAC, their files, any token."""
    prov_app.config["PROV_BAN_FAILURES"] = 10**9  # a ban would hide the answers behind 403s
    client = prov_app.test_client()
    # SQLite checkpoints its WAL when the last connection closes, after every request: a reader kept open here
    # saves those writes (thousands of requests), and changes nothing the server answers.
    reader = sqlite3.connect(prov_app.config["DATABASE_URL"][len("sqlite:///"):])
    reader.execute("SELECT 1 FROM devices").fetchall()
    devices = {phone.mac: _assign(phone) for phone in PHONES}
    files = {mac: _files(client, device) for mac, device in devices.items()}
    requests = set()
    for ua_phone in PHONES:
        own = devices[ua_phone.mac]
        for target in PHONES:
            names = {*files[target.mac], *files[ua_phone.mac], *DIRECTORIES, f"{target.mac}-directory.xml"}
            prefixes = ("", f"{devices[target.mac].prov_token}/", f"{own.prov_token}/")
            for ua in (ua_phone.ua(target.mac), ua_phone.ua_without_mac):
                requests.update((ua, prefix + name) for prefix in prefixes for name in names)
        for ua in (ua_phone.ua(), ua_phone.ua_without_mac, "", "curl/8.5.0"):
            requests.update((ua, prefix + name) for prefix in ("", f"{own.prov_token}/", "f" * 32 + "/")
                            for name in JUNK)

    errors = [(ua, path, status) for ua, path in sorted(requests)
              if (status := fetch(client, f"/prov/{path}", ua, ATTACKER).status_code) >= 500]

    reader.close()
    assert len(requests) > 3000 and errors == []
