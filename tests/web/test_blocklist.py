"""The blacklist page, its CSV files, and "block" from a person's call history."""
import datetime
import io

import pytest

from appliance.errors import PermissionDenied
from appliance.models.blocklist import BlockedNumber
from appliance.models.call_history import CallRecord
from appliance.services import Actor, blocklist, extensions
from tests.conftest import make_person

SYSTEM = Actor.system("test")
PATH = "/telephony/blocklist"
PASSWORD = "Blue-Lantern-Pass-77"


@pytest.fixture
def staff(app):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)


def _add(client, auth, **fields):
    data = {"direction": "in", "match": "exact", "number": "(11) 98888-1111", "extension": "", "note": "spam",
            "csrf_token": auth.token(PATH)}
    data.update(fields)
    return client.post(PATH, data=data)


def test_admin_adds_a_number_stored_as_e164_and_sees_its_attempts(auth, client, staff):
    auth.login()
    assert _add(client, auth).status_code == 302
    entry = BlockedNumber.get()
    assert (entry.direction, entry.match, entry.number, entry.extension) == ("in", "exact", "+5511988881111", None)
    CallRecord.create(calldate=datetime.datetime(2026, 12, 1, 12), src="+5511988881111", dst="in",
                      userfield="blocked-in", uniqueid="u1", linkedid="u1", sequence=1)
    page = client.get(PATH).get_data(as_text=True)
    assert "(11) 98888-1111" in page and "2026-12-01 12:00:00" in page
    assert blocklist.attempts([entry])[entry.id].count == 1


@pytest.mark.parametrize("fields, message", [
    ({"number": "abc"}, "Enter a phone number, or the digits the numbers start with."),
    ({"match": "anonymous", "direction": "out"}, "Choose an option from the list."),
    ({"extension": "999"}, "No such extension: 999."),
])
def test_bad_entries_are_explained_and_change_nothing(auth, client, staff, fields, message):
    auth.login()
    response = _add(client, auth, **fields)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert BlockedNumber.select().count() == 0


def test_the_same_entry_twice_is_refused(auth, client, staff):
    auth.login()
    assert _add(client, auth).status_code == 302
    response = _add(client, auth, number="+5511988881111")
    assert response.status_code == 422 and "This number is already on the list." in response.get_data(as_text=True)


def test_csv_export_imports_back_and_row_errors_are_listed(auth, client, staff):
    blocklist.add(blocklist.BlockInput("out", "prefix", "+55900", note="=premium"), SYSTEM)
    blocklist.add(blocklist.BlockInput("in", "anonymous", extension="201"), SYSTEM)
    auth.login()
    exported = client.get(f"{PATH}/export.csv").get_data(as_text=True)
    assert "out,prefix,+55900,,'=premium" in exported and "in,anonymous,,201," in exported

    bad = "direction,match,number,extension,note\nin,exact,+5511977776666,,\nin,exact,xyz,,\nup,exact,123,,\n"
    response = client.post(f"{PATH}/import", data={"file": (io.BytesIO(bad.encode()), "b.csv"),
                                                   "csrf_token": auth.token(PATH)})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "Nothing was imported: 2 row(s) have errors." in page
    assert BlockedNumber.select().count() == 2

    BlockedNumber.delete().execute()
    response = client.post(f"{PATH}/import", data={"file": (io.BytesIO(exported.encode()), "b.csv"),
                                                   "csrf_token": auth.token(PATH)})
    assert response.status_code == 302
    assert sorted((e.direction, e.match, e.number, e.note) for e in BlockedNumber.select()) == [
        ("in", "anonymous", "", ""), ("out", "prefix", "+55900", "=premium")]


def test_a_person_blocks_a_caller_from_their_call_history_for_their_extension_only(auth, client, app):
    maria = make_person("maria", "201", password=PASSWORD, language="en")
    CallRecord.create(calldate=datetime.datetime(2026, 12, 1, 12), src="+5511977776666", dst="201",
                      clid='"" <+5511977776666>', channel="PJSIP/trunk_1-00000001", dstchannel="PJSIP/201-00000002",
                      disposition="NO ANSWER", uniqueid="u1", linkedid="u1", sequence=1)
    auth.login("maria", PASSWORD)
    page = client.get("/panel/history").get_data(as_text=True)
    assert 'name="number" value="+5511977776666"' in page

    response = client.post("/panel/history/block", data={"number": "+5511977776666",
                                                         "csrf_token": auth.token("/panel/history")})
    assert response.status_code == 302
    entry = BlockedNumber.get()
    assert (entry.direction, entry.number, entry.extension_id) == ("in", "+5511977776666", maria.id)
    assert blocklist.has_inbound_list(maria)


def test_people_who_are_not_admins_cannot_change_system_wide_lists(auth, client, app):
    maria = make_person("maria", "201", password=PASSWORD, language="en")
    auth.login("maria", PASSWORD)
    assert client.get(PATH).status_code in (302, 403)
    response = client.post(f"{PATH}/block-caller", data={"number": "+5511977776666",
                                                         "csrf_token": auth.token("/panel/history")})
    assert response.status_code in (302, 403)
    assert BlockedNumber.select().count() == 0
    # Nor another extension's list through the service.
    other, _ = extensions.create(extensions.ExtensionInput("202", "Joao"), SYSTEM)
    maria_actor = Actor(user_id=maria.user_id, username="maria")
    with pytest.raises(PermissionDenied):
        blocklist.block_caller("+5511977776666", maria_actor, extension=other, own=maria)
    with pytest.raises(PermissionDenied):
        blocklist.block_caller("+5511977776666", maria_actor, own=maria)


def test_admin_blocks_a_caller_for_everyone(auth, client, staff):
    auth.login()
    response = client.post(f"{PATH}/block-caller", data={"number": "+5511977776666", "csrf_token": auth.token(PATH)})
    assert response.status_code == 302
    assert BlockedNumber.get().extension is None
