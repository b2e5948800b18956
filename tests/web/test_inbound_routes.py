"""Admin pages for inbound routes: DIDs in any format are one number; bad input is explained and changes nothing."""
import pytest

from appliance.models.inbound_routes import InboundRoute
from appliance.models.users import AuditEntry
from appliance.services import Actor, extensions, inbound_routes
from tests.conftest import make_person

SYSTEM = Actor.system("test")
PATH = "/telephony/inbound-routes/new"


@pytest.fixture
def staff(app):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)


def _post(client, auth, path=PATH, **fields):
    data = {"did": "+55 11 3000-1000", "caller_kind": "", "caller": "", "destination": "extension:201",
            "name": "Recepção", "csrf_token": auth.token(path)}
    data.update(fields)
    return client.post(path, data=data)


@pytest.mark.parametrize("typed", ["+55 11 3000-1000", "551130001000", "(11) 3000-1000", "011 3000 1000"])
def test_a_did_typed_in_any_format_is_stored_as_e164(auth, client, staff, typed):
    auth.login()
    assert _post(client, auth, did=typed).status_code == 302
    route = InboundRoute.get()
    assert (route.did, route.destination) == ("+551130001000", "extension:201")
    assert AuditEntry.get(AuditEntry.action == "inbound_route.create").target_name == "+551130001000"
    page = client.get("/telephony/inbound-routes").get_data(as_text=True)
    assert "(11) 3000-1000" in page and "Recepção" in page


def test_the_form_offers_every_destination_kind_and_the_menu_lists_the_page(auth, client, staff):
    auth.login()
    page = client.get(PATH).get_data(as_text=True)
    assert 'name="destination-kind"' in page and 'value="ring_group"' in page and 'value="voicemail"' in page
    assert "/telephony/inbound-routes" in client.get("/telephony/extensions").get_data(as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({"did": "abc"}, "Enter a phone number (+55 11 3000-1000) or a pattern on it"),
    ({"did": "_+55;Hangup"}, "Enter a phone number (+55 11 3000-1000) or a pattern on it"),
    ({"destination": "extension:999"}, "Choose where these calls go from the list."),
    ({"caller_kind": "prefix", "caller": "x1"}, "Enter the caller&#39;s number or the digits it starts with."),
])
def test_bad_routes_are_explained_and_change_nothing(auth, client, staff, fields, message):
    auth.login()
    response = _post(client, auth, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert InboundRoute.select().count() == 0


def test_two_routes_for_the_same_did_and_caller_are_refused(auth, client, staff):
    auth.login()
    assert _post(client, auth).status_code == 302
    response = _post(client, auth, did="011 3000-1000", destination="hangup")
    assert response.status_code == 422
    assert "Another route already takes calls to this number from these callers." in response.get_data(as_text=True)
    # The same DID for one caller is another route.
    assert _post(client, auth, caller_kind="prefix", caller="+5521").status_code == 302
    assert InboundRoute.select().count() == 2


def test_a_pattern_and_a_catch_all_are_routes(auth, client, staff):
    auth.login()
    assert _post(client, auth, did="_+55113000XXXX").status_code == 302
    assert _post(client, auth, did="", destination="hangup").status_code == 302
    assert sorted(route.did for route in InboundRoute.select()) == ["", "_+55113000XXXX"]
    assert "Every other number" in client.get("/telephony/inbound-routes").get_data(as_text=True)


def test_an_extension_a_route_sends_calls_to_cannot_vanish_silently(app, staff):
    inbound_routes.save_route(inbound_routes.InboundRouteInput(did="+551130001000", destination="extension:201"),
                              SYSTEM)
    from appliance.destinations import of_number, referrers
    found = referrers.pointing_at(of_number("201"))
    assert [referrer.holder.audit_kind for referrer in found] == ["inbound_route"]


def test_people_who_are_not_admins_cannot_open_the_page(auth, client, app):
    make_person("maria", "301", password="Blue-Lantern-Pass-77")
    auth.login("maria", "Blue-Lantern-Pass-77")
    assert client.get("/telephony/inbound-routes").status_code in (302, 403)
