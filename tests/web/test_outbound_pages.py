"""Admin pages for outbound routes and call profiles: validation next to the field, order, apply to extensions."""
import pytest

from appliance.errors import ValidationError
from appliance.models.extensions import Extension
from appliance.models.outbound import OutboundRoute, RoutePattern
from appliance.models.profiles import CallProfile
from appliance.models.users import AuditEntry
from appliance.services import Actor, call_profiles, extensions, outbound_routes, trunks

SYSTEM = Actor.system("test")


@pytest.fixture
def carrier(app):
    return trunks.save_trunk(trunks.TrunkInput(name="Operadora", host="192.0.2.10", kind="ip"), SYSTEM)


@pytest.fixture
def staff(app):
    for number, name in (("201", "Ana"), ("202", "Bruno"), ("2001", "Carla")):
        extensions.create(extensions.ExtensionInput(number, name), SYSTEM)


def _route(client, auth, carrier, path="/telephony/outbound/new", **fields):
    data = {"name": "Nacional", "permission_class": "national", "callerid": "", "enabled": "y",
            "patterns-0-pattern": "0ZXZZ[2-5]XXXXXXX", "patterns-0-strip": "3", "patterns-0-prepend": "+55",
            "patterns-0-result": "e164", "trunks-0": str(carrier.id), "trunks-1": "0", "trunks-2": "0",
            "trunks-3": "0", "csrf_token": auth.token(path)}
    data.update(fields)
    return client.post(path, data=data)


def test_admin_creates_a_route_and_it_is_listed_with_its_trunk(auth, client, carrier):
    auth.login()
    assert _route(client, auth, carrier, callerid="(11) 3333-4444").status_code == 302
    route = OutboundRoute.get(OutboundRoute.name == "Nacional")
    assert route.callerid == "+551133334444"
    assert [(p.pattern, p.strip, p.prepend) for p in outbound_routes.patterns_of(route)] == [
        ("0ZXZZ[2-5]XXXXXXX", 3, "+55")]
    assert AuditEntry.get(AuditEntry.action == "outbound_route.create").target_name == "Nacional"
    page = client.get("/telephony/outbound").get_data(as_text=True)
    assert "0ZXZZ[2-5]XXXXXXX" in page and "Operadora" in page


@pytest.mark.parametrize("pattern, message", [
    ("0[5-2]XXX", "The range [5-2] is backwards"),
    ("0[]XXX", "[] holds no digit"),
    ("0[2-5XXX", "A [ is never closed"),
    ("0X.X", ". matches the rest of the number"),
    ("0ABC", "not A B C"),
    ("X.", "would send every number outside"),
    ("20XX", "captures internal number 2001 (Carla)"),
    # No fixed first digit: every internal number is a candidate, not only those under a prefix.
    ("[1-2]0XX", "captures internal number 2001 (Carla)"),
    ("202", "captures internal number 202 (Bruno)"),
    ("0ZZXXXX", "not an international number"),
])
def test_bad_patterns_are_explained_next_to_the_pattern_and_change_nothing(auth, client, carrier, staff, pattern,
                                                                           message):
    auth.login()
    result = "e164" if "international" in message else "asis"
    response = _route(client, auth, carrier, **{"patterns-0-pattern": pattern, "patterns-0-strip": "0",
                                                "patterns-0-prepend": "", "patterns-0-result": result})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert OutboundRoute.select().count() == 0 and RoutePattern.select().count() == 0


def test_a_route_needs_a_trunk(auth, client, carrier):
    auth.login()
    response = _route(client, auth, carrier, **{"trunks-0": "0"})
    assert response.status_code == 422 and "Choose at least one trunk." in response.get_data(as_text=True)


def test_routes_move_up_and_down_and_take_a_dragged_order(auth, client, carrier):
    auth.login()
    for name in ("A", "B", "C"):
        _route(client, auth, carrier, name=name, **{"patterns-0-pattern": f"0ZZ{'235'['ABC'.index(name)]}XXXXXXX",
                                                    "patterns-0-strip": "1"})
    ids = {route.name: route.id for route in outbound_routes.list_routes()}
    client.post(f"/telephony/outbound/{ids['C']}/move",
                data={"direction": "up", "csrf_token": auth.token("/telephony/outbound")})
    assert [route.name for route in outbound_routes.list_routes()] == ["A", "C", "B"]
    client.post("/telephony/outbound/order", data={"route": [ids["B"], ids["A"], ids["C"]],
                                                   "csrf_token": auth.token("/telephony/outbound")})
    assert [route.name for route in outbound_routes.list_routes()] == ["B", "A", "C"]


def test_the_brazilian_preset_creates_the_usual_routes(auth, client, carrier):
    auth.login()
    response = client.post("/telephony/outbound/preset", data={
        "preset-area_code": "11", "preset-first_trunk": str(carrier.id), "preset-second_trunk": "0",
        "csrf_token": auth.token("/telephony/outbound")})
    assert response.status_code == 302
    assert [route.permission_class for route in outbound_routes.list_routes()] == [
        "local", "mobile", "national", "premium", "collect", "international"]
    bad = client.post("/telephony/outbound/preset", data={
        "preset-area_code": "10", "preset-first_trunk": str(carrier.id), "preset-second_trunk": "0",
        "csrf_token": auth.token("/telephony/outbound")})
    assert bad.status_code == 422 and "Enter a Brazilian area code" in bad.get_data(as_text=True)


def test_a_trunk_a_route_uses_cannot_be_deleted(carrier):
    outbound_routes.save_route(outbound_routes.RouteInput("Nacional", "national", [
        outbound_routes.PatternInput("0ZZ[2-5]XXXXXXX", 1, "+55")], [carrier.id]), SYSTEM)
    with pytest.raises(Exception, match="Outbound routes still send calls to this trunk: Nacional"):
        trunks.delete_trunk(carrier.id, SYSTEM)


def test_an_extension_number_a_route_captures_is_refused(auth, client, carrier):
    outbound_routes.save_route(outbound_routes.RouteInput("Local", "local", [
        outbound_routes.PatternInput("[2-5]XXXXXXX", 0, "+5511")], [carrier.id]), SYSTEM)
    auth.login()
    response = client.post("/telephony/extensions/new", data={
        "number": "23456789", "name": "Clash", "csrf_token": auth.token("/telephony/extensions/new")})
    assert response.status_code == 422 and "Number 23456789 is already in use (Local)." in response.get_data(
        as_text=True)


def test_every_extension_has_the_default_profile_and_a_profile_applies_to_many(auth, client, staff):
    default = call_profiles.default_profile()
    assert {e.profile_id for e in Extension.select()} == {default.id}
    auth.login()
    path = "/telephony/profiles/new"
    response = client.post(path, data={"name": "Interno", "max_external_per_extension": "0",
                                       "max_external_total": "0", "international_minutes_per_day": "0",
                                       "csrf_token": auth.token(path)})
    assert response.status_code == 302
    internal = CallProfile.get(CallProfile.name == "Interno")
    assert internal.class_list == ()
    page = f"/telephony/profiles/{internal.id}"
    bad = client.post(page + "/apply", data={"apply-extensions": "201 9x", "csrf_token": auth.token(page)})
    assert bad.status_code == 422 and "Not an extension number or a range" in bad.get_data(as_text=True)
    done = client.post(page + "/apply", data={"apply-extensions": "201-202", "csrf_token": auth.token(page)})
    assert done.status_code == 302
    assert sorted(e.number for e in call_profiles.members(internal)) == ["201", "202"]
    refused = client.post(page + "/delete", data={"csrf_token": auth.token(page)}, follow_redirects=True)
    assert "2 extension(s) use this profile" in refused.get_data(as_text=True)
    assert CallProfile.get_or_none(CallProfile.id == internal.id) is not None


def test_the_extension_page_sets_its_profile_and_caller_id(auth, client, staff):
    internal = call_profiles.save_profile(call_profiles.ProfileInput("Interno", classes=[]), SYSTEM)
    extension = extensions.find_extension("201")
    auth.login()
    path = f"/telephony/extensions/{extension.id}"
    data = {"name": "Ana", "enabled": "y", "email": "", "language": "pt_BR", "max_calls": "2",
            "ring_seconds": "25", "user_id": "0", "profile_id": str(internal.id), "csrf_token": auth.token(path)}
    bad = client.post(path, data={**data, "external_callerid": "abc"})
    assert bad.status_code == 422 and "Enter a phone number" in bad.get_data(as_text=True)
    assert client.post(path, data={**data, "external_callerid": "11 3333-4444"}).status_code == 302
    extension = Extension.get_by_id(extension.id)
    assert (extension.profile_id, extension.external_callerid) == (internal.id, "+551133334444")


def test_many_wide_ranges_are_refused_before_they_are_expanded(staff):
    # Each range is within the per-range limit; together they would name millions of numbers.
    text = " ".join(f"{n}0000-{n}9999" for n in range(10, 60))
    with pytest.raises(ValidationError) as refused:
        call_profiles.extensions_named(text)
    assert "extensions" in refused.value.fields
