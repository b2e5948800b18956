"""Dial patterns and the outbound dialplan: checked before Asterisk sees them, compiled in route order."""
import pytest

from appliance import dial_patterns
from appliance.asterisk.confgen import EngineInput
from appliance.asterisk.confgen import outbound as o
from appliance.asterisk.confgen.blocklist import BlockRow
from appliance.asterisk.confgen.dialplan import render
from appliance.asterisk.confgen.trunks import TrunkRow


@pytest.mark.parametrize("pattern", ["0[5-2]X", "0[]X", "0.X", "0[12", "01]", "0A1", "X.", "0!1", "+0+1", "0[1[2]]"])
def test_patterns_asterisk_would_reject_or_never_match_are_refused(pattern):
    assert dial_patterns.problem(dial_patterns.normalize(pattern)) is not None
    with pytest.raises(ValueError):
        o.PatternRow(dial_patterns.normalize(pattern), result="asis")


def test_a_pattern_is_stored_without_its_underscore_and_reading_dashes():
    assert dial_patterns.normalize(" _0800-xxx xxx! ") == "0800XXXXXX!"
    assert dial_patterns.dialplan_name("190") == "190"
    assert dial_patterns.dialplan_name("0ZZ[2-5]XXXXXXX") == "_0ZZ[2-5]XXXXXXX"


@pytest.mark.parametrize("pattern, number, matches", [
    ("0ZXZZ[2-5]XXXXXXX", "0211133334444", True),
    ("0ZXZZ[2-5]XXXXXXX", "0211033334444", False),  # an area code has no 0
    ("[2-5]XXXXXXX", "23456789", True),
    ("[2-5]XXXXXXX", "63456789", False),
    ("0800XXXXXX!", "08001234567", True),
    ("+Z.", "+12125550100", True),
    ("NXX", "299", True),
    ("NXX", "111", False),
])
def test_patterns_match_what_asterisk_matches(pattern, number, matches):
    assert dial_patterns.matches(pattern, number) is matches


@pytest.mark.parametrize("pattern, strip, prepend, kind", [
    ("0ZXZZ[2-5]XXXXXXX", 3, "+55", "geo"),
    ("0800XXXXXX!", 1, "+55", "nongeo0"),
    ("400XXXXX", 0, "+55", "nongeo"),
    ("00ZXZ.", 4, "+", "intl"),
])
def test_each_pattern_knows_what_kind_of_number_it_makes(pattern, strip, prepend, kind):
    assert o.PatternRow(pattern, strip, prepend).kind == kind


@pytest.mark.parametrize("pattern, prefix", [
    ("0800XXXXXXX", "0800"), ("20XX", "20"), ("2[0-1]XX", "2"), ("[2-3]XX", ""), ("X.", ""), ("+55.", "+55"),
    ("9", "9"), ("2[5]X", "25"),
])
def test_a_patterns_fixed_prefix_is_what_every_number_it_matches_starts_with(pattern, prefix):
    assert dial_patterns.literal_prefix(pattern) == prefix
    assert all(number.startswith(prefix) for number in dial_patterns.examples(pattern))


def test_an_e164_pattern_must_make_a_plus_number():
    with pytest.raises(ValueError):
        o.PatternRow("0ZZ[2-5]XXXXXXX", 1, "55")


def _dialplan(routes, profiles, trunks=(TrunkRow(1, "A", "192.0.2.1", kind="ip"),)):
    return render("", *o.contexts(EngineInput(None, trunks=trunks, routes=routes, profiles=profiles)))


def test_a_profile_includes_emergency_then_every_route_in_order_allowed_or_refused_then_internal():
    national = o.RouteRow(7, "Nacional", "national", (o.PatternRow("0ZZ[2-5]XXXXXXX", 1, "+55"),), (1,))
    world = o.RouteRow(3, "Mundo", "international", (o.PatternRow("00ZXZ.", 4, "+"),), (1,))
    text = _dialplan((national, world), (o.ProfileRow(2, "Padrão", ("national",), is_default=True),))
    profile = text.split("[cn-profile-2]")[1].split("\n\n")[0]
    assert [line for line in profile.splitlines() if line.startswith("include")] == [
        "include => cn-emergency", "include => cn-route-7", "include => cn-route-3-refused", "include => internal"]
    assert "[cn-profile-0]" in text  # the default again, for destinations with no extension
    assert "CN_PEXT_2 = 2" in text and "CN_PINTL_2 = 30" in text


def test_a_trunk_gets_the_number_and_caller_id_in_its_formats():
    trunk = TrunkRow(1, "A", "192.0.2.1", kind="ip", number_format="national_csp", csp="21",
                     callerid_format="national", default_callerid="+551133334444", max_channels=4,
                     qualify_seconds=60)
    route = o.RouteRow(1, "Nacional", "national", (o.PatternRow("0ZZ[2-5]XXXXXXX", 1, "+55"),), (1,))
    text = _dialplan((route,), (), (trunk,))
    # ${CN_RECA}: the announcement Dial plays when the calling extension's policy starts a recording (decision 036).
    assert 'Dial(PJSIP/${CN_LD}${IF($["${CN_LD}" != ""]?21)}${CN_REST}@trunk_1,,f(0${CN_C:3})${CN_RECA})' in text
    assert '"${DEVICE_STATE(PJSIP/trunk_1)}" = "UNAVAILABLE" | ${GROUP_COUNT(trunk_1@cn-trunk)} >= 4' in text


def test_the_blacklists_are_tests_inside_the_one_jump_and_absent_while_the_lists_are_empty():
    route = o.RouteRow(1, "Nacional", "national", (o.PatternRow("0ZZ[2-5]XXXXXXX", 1, "+55"),), (1,))
    steps = _dialplan((route,), ()).split("[cn-route-1]")[1].split("\n\n")[0]
    assert "cn-block-out" not in steps and "Gosub" not in steps

    blocks = (BlockRow("out", "prefix", "+55900"), BlockRow("out", "exact", "+5511955550000", extension="502"))
    text = render("", *o.contexts(EngineInput(None, trunks=(TrunkRow(1, "A", "192.0.2.1", kind="ip"),),
                                              routes=(route,), blocks=blocks)))
    jump = [line for line in text.split("[cn-route-1]")[1].split("\n\n")[0].splitlines() if "Goto(" in line][0]
    number = "${FILTER(+0123456789,${CN_OUT})}"
    # The system list first, then the calling extension's own, then the caps: the first true one wins.
    assert (jump.index(f"DIALPLAN_EXISTS(cn-block-out-all,{number},1)") <
            jump.index(f"DIALPLAN_EXISTS(cn-block-out-${{FILTER(0123456789,${{CN_EXT}})}},{number},1)") <
            jump.index("GROUP_COUNT"))
    dial = text.split("[cn-route-1-dial]")[1]
    assert f"n(mine),Set(CDR(userfield)=blocked-out:${{FILTER(0123456789,${{CN_EXT}})}} {number})" in dial
    assert f"n(blocked),Set(CDR(userfield)=blocked-out {number})" in dial


def test_emergency_numbers_skip_routes_and_112_goes_out_as_190():
    text = _dialplan((), ())
    assert "exten => 112,1,Set(CN_OUT=190)" in text
    assert "cn-block-out" not in text.split("[cn-emergency-dial]")[1].split("\n\n")[0]


def test_rows_refuse_what_would_reach_the_dialplan_unchecked():
    with pytest.raises(ValueError):
        o.RouteRow(1, "Rota", "national", callerid="+55 11; Hangup")
    with pytest.raises(ValueError):
        o.RouteRow(1, "Rota", "vip")


def test_international_minutes_are_counted_in_the_site_time_zone_which_must_be_a_real_one():
    world = o.RouteRow(3, "Mundo", "international", (o.PatternRow("00ZXZ.", 4, "+"),), (1,))
    profiles = (o.ProfileRow(2, "Padrão", ("international",), is_default=True),)
    trunks = (TrunkRow(1, "A", "192.0.2.1", kind="ip"),)

    def dialplan(zone):
        return render("", *o.contexts(EngineInput(None, trunks=trunks, routes=(world,), profiles=profiles,
                                                  timezone=zone)))
    assert "STRFTIME(${EPOCH},Europe/Lisbon,%Y%m%d)" in dialplan("Europe/Lisbon")
    assert "America/Sao_Paulo" not in dialplan("Europe/Lisbon")
    for bad in ("Mars/Olympus", "UTC)}Hangup", "Europe/Lisbon;x"):
        with pytest.raises(ValueError):
            dialplan(bad)
