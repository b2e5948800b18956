"""Admin pages for ring and pickup groups: numbers share one space with extensions; bad input changes nothing."""
import pytest

from appliance.models.extensions import PickupGroup, RingGroup
from appliance.models.users import AuditEntry
from appliance.services import Actor, extensions, groups

SYSTEM = Actor.system("test")


@pytest.fixture
def staff(app):
    for number, name in (("201", "Ana"), ("202", "Bruno"), ("203", "Carla")):
        extensions.create(extensions.ExtensionInput(number, name), SYSTEM)


def _ring(client, auth, path="/telephony/groups/ring/new", **fields):
    data = {"number": "600", "name": "Vendas", "strategy": "hunt", "ring_seconds": "20", "member_seconds": "10",
            "members": "202 201", "destination": "voicemail:203", "csrf_token": auth.token(path)}
    data.update(fields)
    return client.post(path, data=data)


def test_admin_creates_a_hunt_group_with_members_in_order(auth, client, staff):
    auth.login()
    assert _ring(client, auth).status_code == 302
    group = RingGroup.get(RingGroup.number == "600")
    assert (group.strategy, group.member_seconds, group.destination) == ("hunt", 10, "voicemail:203")
    assert groups.member_numbers(group) == ["202", "201"]
    assert AuditEntry.get(AuditEntry.action == "ring_group.create").target_name == "600"
    page = client.get("/telephony/groups").get_data(as_text=True)
    assert "Vendas" in page and "202, 201" in page


@pytest.mark.parametrize("fields, message", [
    ({"number": "201"}, "Number 201 is already in use ("),
    ({"members": "201 999"}, "No such extension: 999."),
    ({"members": "201 201"}, "An extension is listed twice."),
    ({"member_seconds": "1"}, "Use 3 to 300 seconds."),
    ({"name": 'Vendas "VIP"'}, "The name cannot contain"),
])
def test_bad_ring_groups_are_explained_and_change_nothing(auth, client, staff, fields, message):
    auth.login()
    response = _ring(client, auth, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert RingGroup.select().count() == 0


def test_an_extension_cannot_take_a_ring_group_number(auth, client, staff):
    groups.save_ring_group(groups.RingGroupInput("600", "Vendas", members=["201"]), SYSTEM)
    auth.login()
    response = client.post("/telephony/extensions/new", data={
        "number": "600", "name": "Clash", "csrf_token": auth.token("/telephony/extensions/new")})
    assert response.status_code == 422 and "Number 600 is already in use (Vendas)." in response.get_data(as_text=True)


def test_admin_makes_a_pickup_group_and_edits_it(auth, client, staff):
    auth.login()
    path = "/telephony/groups/pickup/new"
    response = client.post(path, data={"name": "Recepção", "members": "201, 202",
                                       "csrf_token": auth.token(path)})
    assert response.status_code == 302
    group = PickupGroup.get(PickupGroup.name == "Recepção")
    assert groups.pickup_members(group) == ["201", "202"]
    edit = f"/telephony/groups/pickup/{group.id}"
    client.post(edit, data={"name": "Recepção", "members": "203", "csrf_token": auth.token(edit)})
    assert groups.pickup_members(group) == ["203"]
    bad = client.post(edit, data={"name": "Recepção", "members": "777", "csrf_token": auth.token(edit)})
    assert bad.status_code == 422 and groups.pickup_members(group) == ["203"]


def test_deleting_a_groups_destination_extension_makes_the_group_hang_up(auth, client, staff):
    groups.save_ring_group(groups.RingGroupInput("600", "Vendas", members=["201", "202"],
                                                 destination="voicemail:203"), SYSTEM)
    extensions.delete(extensions.find_extension("203").id, SYSTEM)
    group = RingGroup.get(RingGroup.number == "600")
    assert group.destination == "hangup" and groups.member_numbers(group) == ["201", "202"]
    # Deleting a member just takes it out of the group.
    extensions.delete(extensions.find_extension("201").id, SYSTEM)
    assert groups.member_numbers(group) == ["202"]
