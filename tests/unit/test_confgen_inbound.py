"""Inbound routing and blacklists compile to dialplan: golden text, and what the renderers refuse."""
import pytest

from appliance.asterisk.confgen import EngineInput, TrunkRow, blocklist, inbound
from appliance.asterisk.confgen.blocklist import BlockRow
from appliance.asterisk.confgen.dialplan import render
from appliance.asterisk.confgen.inbound import InboundRouteRow
from tests.golden import assert_golden

TRUNKS = (
    TrunkRow(id=1, name="Carrier IP", host="198.51.100.10", kind="ip", match=("198.51.100.10",), max_channels=30,
             area_code="11"),
    TrunkRow(id=2, name="Carrier reg", host="sip.example.net", username="acct-5511", password="x"),
    TrunkRow(id=3, name="Off", host="198.51.100.20", kind="ip", enabled=False),
)
ROUTES = (
    InboundRouteRow("+551130001000", "extension:201"),
    InboundRouteRow("+551130001000", "voicemail:201", caller="+5521", caller_kind="prefix"),
    InboundRouteRow("+551130001000", "ring_group:600", caller="+5511988887777", caller_kind="exact"),
    InboundRouteRow("_+55113000200X", "ring_group:600"),
    InboundRouteRow("", "extension:1001"),
)
BLOCKS = (
    BlockRow("in", "exact", "+5511988880000"),
    BlockRow("in", "prefix", "+55303"),
    BlockRow("in", "anonymous"),
    BlockRow("in", "exact", "+5511977770000", extension="201"),
    BlockRow("in", "anonymous", extension="202"),
    BlockRow("out", "prefix", "+55900"),
    BlockRow("out", "exact", "+5511966660000", extension="201"),
)


NAMES = (("+551132221111", "Padaria Central"), ("+5511977776666", "João d'Ávila"))


def _render(source):
    return render(";", *inbound.contexts(source), *blocklist.contexts(source))


def test_inbound_routing_and_blacklists_match_golden():
    assert_golden("inbound-routing.conf", _render(EngineInput(None, trunks=TRUNKS, inbound_routes=ROUTES,
                                                              blocks=BLOCKS, caller_names=NAMES)))


@pytest.mark.parametrize("row", [("+551132221111", "Ana; Hangup()"), ("+551132221111", "${SHELL(id)}"),
                                 ("1132221111", "Ana"), ("+551132221111", "A\nB")])
def test_a_caller_name_row_the_dialplan_would_read_as_syntax_is_refused(row):
    with pytest.raises(ValueError):
        _render(EngineInput(None, caller_names=(row,)))


def test_empty_lists_render_no_check_at_all():
    text = _render(EngineInput(None, trunks=TRUNKS, inbound_routes=ROUTES))
    assert "cn-block-in" not in text and "cn-block-out" not in text and "DIALPLAN_EXISTS(cn-block" not in text


def test_without_a_catch_all_an_unknown_did_is_logged_and_hung_up():
    text = _render(EngineInput(None, trunks=TRUNKS, inbound_routes=ROUTES[:1]))
    assert "Log(NOTICE,Inbound call to unknown DID ${CN_DID} on ${CHANNEL(endpoint)} from ${CALLERID(num)})" in text
    assert " same => n,Hangup(1)" in text


@pytest.mark.parametrize("did", ["1130001000", "+55;Hangup", "_+55)", "_X.", "+55 11"])
def test_a_did_that_is_not_e164_or_a_pattern_on_it_is_refused(did):
    with pytest.raises(ValueError):
        InboundRouteRow(did, "hangup")


@pytest.mark.parametrize("kwargs", [dict(direction="in", match="exact", number="12a"),
                                    dict(direction="out", match="anonymous"),
                                    dict(direction="in", match="exact", number="+551199", extension="2;0")])
def test_a_malformed_block_is_refused(kwargs):
    with pytest.raises(ValueError):
        BlockRow(**kwargs)
