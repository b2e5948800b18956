"""Rendered files cached per provisioning generation; ETag/Last-Modified and 304 on a phone's resync (issue 18)."""
import time
from email.utils import formatdate

import pytest

from appliance import db, migrations, phone_numbers
from appliance.models.extensions import Device, Extension
from appliance.models.phones import ProvisioningBan
from appliance.services import Actor, extensions, phonebook, phones
from provisioning import http

UA = "Yealink SIP-T46U 108.86.0.20 80:5e:c0:00:00:02"
MAC = "805ec0000002"
ADMIN = Actor.system("test")


def _app(tmp_path, **conf):
    return http.create_app({"TESTING": True, "VAR_DIR": str(tmp_path), "ENGINE_ENABLED": False,
                            "DATABASE_URL": f"sqlite:///{tmp_path / 'prov.db'}", "SIP_BIND": "192.0.2.10", **conf})


@pytest.fixture
def prov(tmp_path):
    """The provisioning app, extensions 201 and 202, and a Yealink on 201; yields (client, device)."""
    app = _app(tmp_path)
    migrations.upgrade(db.database.obj)
    extensions.create(extensions.ExtensionInput("201", "Recepção"), ADMIN)
    extensions.create(extensions.ExtensionInput("202", "Vendas"), ADMIN)
    device, _ = phones.save_phone(phones.PhoneInput(MAC, "yealink", "T46U", "201"), ADMIN, minutes=0)
    yield app.test_client(), device
    db.close()


def get(client, path, address="10.0.0.50", **headers):
    return client.get(path, headers={"User-Agent": UA, **headers}, environ_base={"REMOTE_ADDR": address})


def _revalidates(client, path, **headers):
    """Fetch ``path``, then ask again with its ETag and with its Last-Modified: return (first, by etag, by date)."""
    first = get(client, path, **headers)
    assert first.status_code == 200 and first.headers["ETag"].startswith('"')
    by_etag = get(client, path, **{"If-None-Match": first.headers["ETag"]}, **headers)
    by_date = get(client, path, **{"If-Modified-Since": first.headers["Last-Modified"]}, **headers)
    return first, by_etag, by_date


def _settle():
    """Let the generation's change second pass, so a Last-Modified validates (it names the second after)."""
    time.sleep(1.05)


def test_a_resync_with_the_validators_gets_304_without_a_body(prov):
    client, device = prov
    _settle()
    for path in (f"/prov/{device.prov_token}/{MAC}.cfg", f"/prov/{device.prov_token}/directory.xml"):
        first, by_etag, by_date = _revalidates(client, path)
        assert first.headers["Cache-Control"] == "no-store"
        assert (by_etag.status_code, by_etag.data) == (304, b"")
        assert by_etag.headers["ETag"] == first.headers["ETag"] and by_etag.headers["Cache-Control"] == "no-store"
        assert (by_date.status_code, by_date.data) == (304, b"")
    other = get(client, f"/prov/{device.prov_token}/{MAC}.cfg", **{"If-None-Match": '"0123"'})
    assert other.status_code == 200 and b"account.1.password" in other.data
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
    both = get(client, f"/prov/{device.prov_token}/{MAC}.cfg", **{"If-None-Match": '"0123"',
                                                                  "If-Modified-Since": formatdate(usegmt=True)})
    assert both.status_code == 200


def test_common_files_revalidate_too_and_may_be_kept(prov):
    client, _ = prov
    _settle()
    first, by_etag, by_date = _revalidates(client, "/prov/y000000000000.boot",
                                           **{"User-Agent": "Yealink SIP-T46U 108.86.0.20 80:5e:c0:00:00:09"})
    assert first.headers["Cache-Control"] == "no-cache"
    assert by_etag.status_code == 304 and by_date.status_code == 304


def test_no_304_without_the_token_or_from_a_banned_address(prov):
    client, device = prov
    first = get(client, f"/prov/{device.prov_token}/{MAC}.cfg")
    etag, date = first.headers["ETag"], formatdate(time.time() + 3600, usegmt=True)
    assert get(client, f"/prov/{'0' * 32}/{MAC}.cfg", **{"If-None-Match": etag}).status_code == 404
    assert get(client, f"/prov/{MAC}.cfg", **{"If-None-Match": etag, "If-Modified-Since": date}).status_code == 404
    # a 304 is not a way to test MACs against a token either
    assert get(client, f"/prov/{device.prov_token}/805ec0000003.cfg", **{"If-None-Match": "*"}).status_code == 404
    now = Device.select().get().created_at
    ProvisioningBan.insert(address="10.0.0.50", window_start=now, failures=99,
                           banned_until=now.replace(year=2999)).on_conflict_replace().execute()
    assert get(client, f"/prov/{device.prov_token}/{MAC}.cfg", **{"If-None-Match": etag}).status_code == 403


def _changes_show(client, device, change, expect, path=None):
    """Apply ``change``; the phone's resync with its old validators gets 200 and content where ``expect`` holds."""
    path = path or f"/prov/{device.prov_token}/{MAC}.cfg"
    _settle()
    first = get(client, path)
    assert get(client, path, **{"If-None-Match": first.headers["ETag"]}).status_code == 304
    change()
    for headers in ({"If-None-Match": first.headers["ETag"]}, {"If-Modified-Since": first.headers["Last-Modified"]}):
        again = get(client, path, **headers)
        assert again.status_code == 200 and again.headers["ETag"] != first.headers["ETag"], headers
        assert expect(again.data), headers


def test_a_new_sip_password_is_served_at_the_next_resync(prov):
    client, device = prov
    old = device.sip_password

    def change():
        extensions.regenerate_password(device.id, ADMIN)
    _changes_show(client, device, change,
                  lambda body: Device.get_by_id(device.id).sip_password.encode() in body and old.encode() not in body)


def test_a_renamed_extension_is_served_at_the_next_resync(prov):
    client, device = prov
    extension = Extension.get(Extension.number == "201")

    def change():
        extensions.update(extension.id, extensions.ExtensionChanges("Portaria", True), ADMIN)
    _changes_show(client, device, change, lambda body: b"Portaria" in body)


def test_a_colleague_s_blf_key_follows_a_new_extension(prov):
    client, device = prov
    _changes_show(client, device, lambda: extensions.create(extensions.ExtensionInput("203", "Financeiro"), ADMIN),
                  lambda body: b"Financeiro" in body and b"203" in body)
    colleague = Extension.get(Extension.number == "202")
    _changes_show(client, device,
                  lambda: extensions.update(colleague.id, extensions.ExtensionChanges("Vendas", False), ADMIN),
                  lambda body: b"Vendas" not in body)


def test_a_phonebook_entry_is_served_at_the_next_resync(prov):
    client, device = prov
    _changes_show(client, device,
                  lambda: phonebook.create(None, phonebook.ContactInput("Suporte TI", numbers=[("work", "1133334444")]),
                                           ADMIN, shared=True),
                  lambda body: b"Suporte TI" in body, path=f"/prov/{device.prov_token}/directory.xml")


def test_noting_a_fetch_does_not_invalidate(prov):
    client, device = prov
    _settle()
    first = get(client, f"/prov/{device.prov_token}/{MAC}.cfg")
    Device.update(last_fetch_at=None).where(Device.id == device.id).execute()  # the next fetch writes it again
    again = get(client, f"/prov/{device.prov_token}/{MAC}.cfg", address="10.0.0.51",
                **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert Device.get_by_id(device.id).last_fetch_address == "10.0.0.51"  # a resync is a fetch, and noted


def test_new_settings_change_the_validators(prov, tmp_path):
    client, device = prov
    _settle()
    first = get(client, f"/prov/{device.prov_token}/{MAC}.cfg")
    restarted = _app(tmp_path, TIMEZONE="Europe/Lisbon").test_client()  # settings change with a restart
    again = get(restarted, f"/prov/{device.prov_token}/{MAC}.cfg", **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.data != first.data
    by_date = get(restarted, f"/prov/{device.prov_token}/{MAC}.cfg",
                  **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 200


def test_the_cache_renders_once_per_generation_and_stays_bounded():
    from provisioning.cache import RenderCache
    renders = []
    cache = RenderCache(1000)
    assert cache.get(1, "a", lambda: renders.append(1) or b"x" * 100) == b"x" * 100
    assert cache.get(1, "a", lambda: renders.append(1) or b"y") == b"x" * 100 and len(renders) == 1
    assert cache.get(2, "a", lambda: renders.append(1) or b"z") == b"z" and len(renders) == 2
    for key in range(50):
        cache.get(2, key, lambda: b"w" * 200)
    assert cache.size <= 1000 and len(cache.entries) < 10
    assert RenderCache(0).get(1, "a", lambda: renders.append(1) or b"q") == b"q"


def test_a_site_change_saved_by_another_process_is_served_at_once(prov, tmp_path):
    from appliance.services import site
    client, device = prov
    _settle()
    first = get(client, f"/prov/{device.prov_token}/{MAC}.cfg")
    site.write_site(tmp_path, {"COUNTRY": "PT", "TIMEZONE": "Europe/Lisbon", "DEFAULT_LOCALE": "en"})  # the web app
    try:
        again = get(client, f"/prov/{device.prov_token}/{MAC}.cfg", **{"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 200 and again.data != first.data, again.data[:300]
        by_date = get(client, f"/prov/{device.prov_token}/{MAC}.cfg",
                      **{"If-Modified-Since": first.headers["Last-Modified"]})
        assert by_date.status_code == 200
    finally:
        phone_numbers.set_region("BR")


def test_blf_keys_are_the_first_colleagues_by_number_never_the_phone_s_own(prov):
    # The server keeps one candidate list per generation for every phone (phones.blf_candidates).
    client, device = prov
    for number in range(203, 215):
        extensions.create(extensions.ExtensionInput(str(number), f"Ramal {number}"), ADMIN)
    candidates = phones.blf_candidates()
    for colleagues in (None, candidates):
        config = phones.phone_config(Device.get_by_id(device.id), client.application.config, "http://prov.test/prov",
                                     colleagues)
        assert [key.value for key in config.keys] == [str(n) for n in range(202, 212)]
        assert (config.lines[0].extension, config.lines[0].display_name) == ("201", "Recepção")
