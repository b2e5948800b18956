"""Trunks' PJSIP objects: one trunk of each kind in a golden pjsip.conf; hostile values never reach a file."""
import dataclasses
import json

import pytest

from appliance.asterisk.confgen import EngineInput, render_all
from appliance.asterisk.confgen.trunks import TrunkRow, registration_uris, render_trunk_sections, trunk_rows
from tests.golden import assert_golden
from tests.unit.test_confgen_golden import SETTINGS

REGISTRATION = TrunkRow(id=1, name="Operadora SP (registro)", host="sip.operadora.com.br", port=5060,
                        username="1133334444", password="s3cret-Pass", from_domain="operadora.com.br",
                        expiry=300, retry_interval=30, codecs=("alaw", "g729"), qualify_seconds=30)
IP = TrunkRow(id=2, name="Embratel IP", host="200.1.2.3", kind="ip", port=5061, transport="tcp",
              match=("200.1.2.0/24", "sbc2.embratel.net.br"), codecs=("alaw",), dtmf_mode="info", nat=False,
              qualify_seconds=0)
OFF = TrunkRow(id=3, name="Desligado", host="10.9.9.9", kind="ip", enabled=False)
TRUNKS = (REGISTRATION, IP, OFF)


def test_one_trunk_of_each_kind_renders_as_the_golden_pjsip_conf_and_rows():
    assert_golden("pjsip_trunks.conf", render_trunk_sections(TRUNKS))
    rows = trunk_rows(TRUNKS, media_address="127.0.0.1")
    assert_golden("trunk_rows.json", json.dumps(rows, indent=1, sort_keys=True) + "\n")


def test_trunks_identify_and_register_in_pjsip_conf_with_endpoint_aor_and_password_in_rows():
    files = render_all(EngineInput(SETTINGS, trunks=TRUNKS))
    assert "[trunk_1]" in files["pjsip.conf"] and "[trunk_2]" in files["pjsip.conf"]
    assert "type = endpoint" not in files["pjsip.conf"] and "type = aor" not in files["pjsip.conf"]
    assert "trunk_3" not in files["pjsip.conf"]
    assert all("s3cret-Pass" not in text for text in files.values())
    rows = trunk_rows(TRUNKS)
    assert [row["id"] for row in rows["ps_endpoints"]] == ["trunk_1", "trunk_2"]
    assert [row["id"] for row in rows["ps_auths"]] == ["trunk_1"]  # the IP trunk has no credentials


def test_registration_uris_are_what_registry_events_carry():
    assert registration_uris(REGISTRATION) == ("sip:sip.operadora.com.br:5060", "sip:1133334444@operadora.com.br")
    ipv6 = dataclasses.replace(REGISTRATION, host="2001:db8::5", from_domain="")
    assert registration_uris(ipv6) == ("sip:[2001:db8::5]:5060", "sip:1133334444@[2001:db8::5]:5060")


@pytest.mark.parametrize("field, value", [
    ("name", "Operadora\n[evil]"),
    ("name", "a;b"),
    ("host", "sip.operadora.com.br\n[trunk_9]"),
    ("host", "sip.operadora.com.br;x"),
    ("host", "[evil]"),
    ("host", "sip operadora.com.br"),
    ("match", ("10.0.0.0/8", "1.2.3.4\ntype=endpoint")),
    ("match", ("1.2.3.4;x",)),
    ("match", ("[evil]",)),
    ("match", ("a host",)),
    ("from_user", "a b"),
    ("from_user", "a;b"),
    ("from_user", "a\nb"),
    ("from_user", "[x]"),
    ("from_domain", "x.com;y"),
    ("username", "user name"),
    ("username", "u\n[trunk_1]"),
    ("password", "pass;word"),
    ("password", "pass\nword"),
    ("password", "pass\rword"),
    ("codecs", ("alaw", "ulaw\nallow=all")),
    ("csp", "2;"),
    ("area_code", "1\n"),
    ("default_callerid", "+5511;3333"),
    ("port", 0),
    ("kind", "friend"),
])
def test_a_trunk_row_refuses_values_that_would_change_the_file(field, value):
    with pytest.raises(ValueError):
        dataclasses.replace(REGISTRATION, **{field: value})


def test_a_registration_trunk_without_credentials_is_refused():
    with pytest.raises(ValueError):
        dataclasses.replace(REGISTRATION, password="")


def test_every_aor_row_gives_each_number_option_a_value():
    from appliance.asterisk.confgen import SipDevice, endpoint_rows
    from appliance.asterisk.confgen.pjsip import AOR_NUMBERS
    aors = trunk_rows(TRUNKS)["ps_aors"] + endpoint_rows([SipDevice("2000", "pw-2000-secret", "2000", "A")])["ps_aors"]
    assert aors and all(row.get(column) is not None for row in aors for column in AOR_NUMBERS)
