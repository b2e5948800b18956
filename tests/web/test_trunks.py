"""Admin pages for trunks: validation next to the fields, a write-only password, live health from the status rows."""
import pytest

from appliance.models.trunks import Trunk, TrunkStatus
from appliance.models.users import AuditEntry
from appliance.services import Actor, trunks, users
from tests.conftest import PERSON_PASSWORD, make_person

SYSTEM = Actor.system("test")
SECRET = "Carrier-Pass-31415"
NEW = "/telephony/trunks/new"


def _post(client, auth, path=NEW, **fields):
    data = {"name": "Operadora", "kind": "registration", "enabled": "y", "host": "sip.operadora.com.br",
            "port": "5060", "transport": "udp", "username": "1133334444", "password": SECRET, "from_user": "",
            "from_domain": "", "expiry": "600", "retry_interval": "60", "match": "", "codecs": "alaw,ulaw",
            "dtmf_mode": "rfc4733", "max_channels": "4", "number_format": "e164", "callerid_format": "e164",
            "csp": "", "area_code": "11", "default_callerid": "", "nat": "y", "qualify_seconds": "60",
            "csrf_token": auth.token(path)}
    data.update(fields)
    return client.post(path, data=data)


def _portuguese_admin(auth):
    users.create(users.UserInput("gerente", PERSON_PASSWORD, "Gerente", role="admin", language="pt_BR"), SYSTEM)
    auth.login("gerente", PERSON_PASSWORD)


def test_admin_creates_a_registration_trunk_and_the_password_never_comes_back(auth, client, app, engine_control):
    auth.login()
    created = _post(client, auth)
    assert created.status_code == 302
    trunk = Trunk.get(Trunk.name == "Operadora")
    assert (trunk.username, trunk.password, trunk.max_channels, trunk.area_code) == ("1133334444", SECRET, 4, "11")
    bodies = [created.get_data(as_text=True)]
    for path in ("/telephony/trunks", f"/telephony/trunks/{trunk.id}"):
        bodies.append(client.get(path).get_data(as_text=True))
    bodies.append(client.get("/telephony/trunks", headers={"HX-Request": "true"}).get_data(as_text=True))
    # Saved again with an empty password: the stored one is kept, and still never shown.
    path = f"/telephony/trunks/{trunk.id}"
    edited = _post(client, auth, path=path, password="", max_channels="8")
    assert edited.status_code == 302
    assert Trunk.get_by_id(trunk.id).password == SECRET and Trunk.get_by_id(trunk.id).max_channels == 8
    bodies.append(client.get(path).get_data(as_text=True))
    failed = _post(client, auth, path=path, password=SECRET, port="99999")
    assert failed.status_code == 422
    bodies.append(failed.get_data(as_text=True))
    assert "A password is stored" in bodies[2]
    assert not any(SECRET in body for body in bodies)
    entries = AuditEntry.select().where(AuditEntry.target_type == "trunk")
    assert entries.count() == 2
    assert not any(SECRET in f"{entry.before} {entry.after}" for entry in entries)


def test_a_changed_password_is_stored_and_audited_as_changed_only(auth, client, app, engine_control):
    trunk = trunks.save_trunk(trunks.TrunkInput(name="Op", host="10.0.0.1", username="acct", password=SECRET), SYSTEM)
    auth.login()
    path = f"/telephony/trunks/{trunk.id}"
    assert _post(client, auth, path=path, name="Op", password="Other-Pass-2718").status_code == 302
    assert Trunk.get_by_id(trunk.id).password == "Other-Pass-2718"
    entry = AuditEntry.select().where(AuditEntry.action == "trunk.update").get()
    assert "changed" in entry.after and "Other-Pass-2718" not in entry.after and SECRET not in (entry.before or "")


@pytest.mark.parametrize("fields, field, message", [
    ({"name": ""}, "name", "This field is required."),
    ({"host": "sip.operadora.com.br;transport=tcp"}, "host", "Enter the carrier&#39;s address"),
    ({"host": "bad host"}, "host", "Enter the carrier&#39;s address"),
    ({"port": "70000"}, "port", ""),
    ({"username": "user name"}, "username", "Use letters, digits and . + _ - only."),
    ({"from_user": "a;b"}, "from_user", "Use letters, digits and . + _ - only."),
    ({"password": "abc;def"}, "password", "Use at most 128 printable characters, without ;."),
    ({"password": ""}, "password", "A registration trunk needs the password the carrier gave."),
    ({"kind": "ip", "match": "10.0.0.0/8, [evil]"}, "match", "Not an address, a network or a host name: [evil]."),
    ({"codecs": "alaw,speex"}, "codecs", "Choose codecs among"),
    ({"number_format": "national_csp"}, "csp", "This number format needs the carrier selection code."),
    ({"area_code": "20"}, "area_code", "Enter a Brazilian area code (DDD)"),
    ({"default_callerid": "abc"}, "default_callerid", "Enter a phone number"),
])
def test_bad_input_is_refused_next_to_its_field_and_changes_nothing(auth, client, app, fields, field, message):
    auth.login()
    response = _post(client, auth, **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert message in page
    assert Trunk.select().count() == 0


def test_errors_are_in_portuguese_for_a_portuguese_admin(auth, client, app):
    _portuguese_admin(auth)
    page = _post(client, auth, username="", host="bad host").get_data(as_text=True)
    assert "Um tronco com registro precisa do usuário fornecido pela operadora." in page
    assert "Informe o endereço da operadora" in page


def test_the_list_shows_each_trunks_health_in_portuguese(auth, client, app):
    registered = trunks.save_trunk(trunks.TrunkInput(name="Registrado", host="10.0.0.1", username="a", password=SECRET),
                                   SYSTEM)
    refused = trunks.save_trunk(trunks.TrunkInput(name="Recusado", host="10.0.0.2", username="b", password=SECRET),
                                SYSTEM)
    ip = trunks.save_trunk(trunks.TrunkInput(name="Por IP", host="10.0.0.3", kind="ip"), SYSTEM)
    off = trunks.save_trunk(trunks.TrunkInput(name="Parado", host="10.0.0.4", kind="ip", enabled=False), SYSTEM)
    TrunkStatus.create(trunk=registered, registration="registered", reachability="reachable", rtt_ms=12.345)
    TrunkStatus.create(trunk=refused, registration="failed", reachability="unreachable")
    TrunkStatus.create(trunk=ip, reachability="unreachable")
    _portuguese_admin(auth)
    rows = client.get("/telephony/trunks", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in rows and "<html" not in rows

    def row(trunk):
        return rows.split(f'id="trunk-{trunk.id}"')[1].split("</tr>")[0]
    assert "Registrado</span>" in row(registered) and "Alcançável" in row(registered) and "12.3 ms" in row(registered)
    assert "Falhou" in row(refused) and "Inalcançável" in row(refused)
    assert "Sem registro" in row(ip) and "Inalcançável" in row(ip)
    assert "—" in row(off)
    page = client.get("/telephony/trunks").get_data(as_text=True)
    assert "Troncos" in page


@pytest.mark.parametrize("method, path", [
    ("get", "/telephony/trunks"), ("get", NEW), ("post", NEW), ("post", "/telephony/trunks/1/delete"),
])
def test_people_who_are_not_admins_are_refused(client, auth, app, method, path):
    make_person("ana", "201", language="en")
    trunks.save_trunk(trunks.TrunkInput(name="Op", host="10.0.0.1", kind="ip"), SYSTEM)
    auth.login("ana", PERSON_PASSWORD)
    response = getattr(client, method)(path, data={"name": "X", "host": "10.0.0.9", "csrf_token": auth.token()})
    assert response.status_code == 403
    assert Trunk.select().count() == 1


def test_admin_deletes_a_trunk(auth, client, app):
    trunk = trunks.save_trunk(trunks.TrunkInput(name="Op", host="10.0.0.1", kind="ip"), SYSTEM)
    auth.login()
    page = client.get("/telephony/trunks").get_data(as_text=True)
    assert "Delete trunk Op?" in page
    response = client.post(f"/telephony/trunks/{trunk.id}/delete", data={"csrf_token": auth.token("/telephony/trunks")})
    assert response.status_code == 302
    assert Trunk.select().count() == 0
    assert client.post("/telephony/trunks/999/delete",
                       data={"csrf_token": auth.token("/telephony/trunks")}).status_code == 404
