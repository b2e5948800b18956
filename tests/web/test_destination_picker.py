"""The destination picker: kinds, then targets with search, for admins only; what the form saves."""
import pytest

from appliance.models.extensions import RingGroup
from appliance.services import Actor, extensions
from tests.conftest import make_person

SYSTEM = Actor.system("test")


@pytest.fixture
def staff(app):
    for number, name in (("201", "Ana"), ("202", "Bruno"), ("203", "Carla")):
        extensions.create(extensions.ExtensionInput(number, name), SYSTEM)


def test_the_ring_group_form_offers_every_kind_and_the_current_targets(auth, client, staff):
    auth.login()
    page = client.get("/telephony/groups/ring/new").get_data(as_text=True)
    for kind in ("extension", "ring_group", "voicemail", "hangup"):
        assert f'<option value="{kind}"' in page
    assert 'name="destination-kind"' in page and 'name="destination-q"' in page


def test_targets_follow_the_kind_and_the_search(auth, client, staff):
    auth.login()
    page = client.get("/destinations/targets?field=destination&destination-kind=extension&destination-q=Bru",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<option value="202">202 Bruno</option>' in page and "201" not in page
    assert 'name="destination-target"' in page
    assert "<select" not in client.get("/destinations/targets?destination-kind=hangup").get_data(as_text=True)
    assert "Nothing matches." in client.get(
        "/destinations/targets?destination-kind=ring_group").get_data(as_text=True)


def test_only_admins_list_targets(app, client, auth):
    make_person("ana", "201")
    auth.login("ana", "Blue-Lantern-Pass-77")
    assert client.get("/destinations/targets?destination-kind=extension").status_code == 403


def test_the_picker_fields_save_the_destination(auth, client, staff):
    auth.login()
    path = "/telephony/groups/ring/new"
    response = client.post(path, data={"number": "600", "name": "Vendas", "strategy": "ringall", "ring_seconds": "20",
                                       "member_seconds": "10", "members": "201", "destination-kind": "voicemail",
                                       "destination-target": "203", "csrf_token": auth.token(path)})
    assert response.status_code == 302
    assert RingGroup.get(RingGroup.number == "600").destination == "voicemail:203"
    bad = client.post(path, data={"number": "601", "name": "Suporte", "strategy": "ringall", "ring_seconds": "20",
                                  "member_seconds": "10", "members": "201", "destination-kind": "extension",
                                  "destination-target": "999", "csrf_token": auth.token(path)})
    assert bad.status_code == 422 and "Choose where unanswered calls go from the list." in bad.get_data(as_text=True)


def test_deleting_an_extension_lists_what_now_hangs_up(auth, client, staff):
    auth.login()
    path = "/telephony/groups/ring/new"
    client.post(path, data={"number": "600", "name": "Vendas", "strategy": "ringall", "ring_seconds": "20",
                            "member_seconds": "10", "members": "201", "destination": "extension:203",
                            "csrf_token": auth.token(path)})
    carla = extensions.find_extension("203")
    response = client.post(f"/telephony/extensions/{carla.id}/delete",
                           data={"csrf_token": auth.token("/telephony/extensions")}, follow_redirects=True)
    assert "These sent calls to it and now hang up: Ring group 600 Vendas." in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/telephony/extensions/9999", "/telephony/groups/ring/9999",
                                  "/telephony/groups/pickup/9999"])
def test_a_missing_row_is_not_found(auth, client, path):
    auth.login()
    assert client.get(path).status_code == 404
