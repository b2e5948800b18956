"""Behaviour of the config generators beyond their golden files."""
from dataclasses import replace
from pathlib import Path

import pytest

from appliance.asterisk.confgen import (
    EngineInput,
    ExtensionRow,
    RingGroupRow,
    SipDevice,
    endpoint_rows,
    feature_codes_from,
    render_all,
)
from appliance.asterisk.confgen.extensions import render_extensions_conf
from appliance.asterisk.confgen.modules import MODULES
from appliance.asterisk.confgen.pjsip import render_pjsip_conf
from appliance.asterisk.engine import EngineSettings

SETTINGS = EngineSettings(engine_root=Path("/"), instance="unit", ami_secret="unit-secret-0123456789")


def test_devices_sharing_an_extension_are_dialled_together():
    devices = [SipDevice("b", "pw", "300", "B"), SipDevice("a", "pw", "300", "A")]

    row = endpoint_rows(devices)["cn_extensions"][0]

    assert row["id"] == "300" and row["dial"] == "PJSIP/a&PJSIP/b"
    # One BLF hint for the number, covering both devices.
    assert "exten => 300,hint,PJSIP/a&PJSIP/b&Custom:DND300,CustomPresence:300" in render_extensions_conf(devices)


def test_only_multi_device_extensions_get_a_hint_line_of_their_own():
    devices = [SipDevice(n, "pw", n[:4], n) for n in ("1000", "30", "200", "1000-2")]

    text = render_extensions_conf(devices)

    # One-device extensions are covered by the pattern hints: a new one changes nothing here.
    assert text == render_extensions_conf([d for d in devices if d.extension == "1000"])
    assert "exten => 1000,hint,PJSIP/1000&PJSIP/1000-2&Custom:DND1000,CustomPresence:1000" in text
    assert "exten => 30," not in text and "exten => 200," not in text


def test_a_call_to_an_extension_reads_its_toggles_by_key_not_by_tree():
    # DB_KEYS is a LIKE over every AstDB row (Asterisk's main/db.c), and AstDB holds every extension's
    # cached row: a per-call cost growing with the extensions (decision 054).
    first = next(line for line in render_extensions_conf([]).splitlines()
                 if line.startswith("exten => _[1-9]X!,1,"))

    assert "DB_KEYS" not in first
    for key in ("fwd_always", "dnd", "block_in"):
        assert f"${{DB(CN/${{EXTEN}}/{key})}}" in first


def test_a_mailbox_without_a_pin_is_refused():
    # app_voicemail lets anyone into a mailbox whose password is empty.
    with pytest.raises(ValueError):
        ExtensionRow("201", "A", voicemail=True, voicemail_pin="")


def test_feature_codes_may_not_be_prefixes_of_each_other():
    with pytest.raises(ValueError):
        feature_codes_from({"dnd_on": "*7", "dnd_off": "*79"})
    with pytest.raises(ValueError):
        feature_codes_from({"no_such_feature": "*11"})
    assert feature_codes_from({"dnd_on": "*76"}).dnd_on == "*76"


def test_ring_group_hunts_its_members_in_order():
    group = RingGroupRow("600", "Vendas", ("202", "201"), "hunt", member_seconds=7, destination="voicemail:201")

    text = render_extensions_conf([], [group])

    assert text.index("Dial(Local/202@cn-group-member,7)") < text.index("Dial(Local/201@cn-group-member,7)")
    assert "VoiceMail(201@default,u)" in text


def test_rendering_touches_nothing_and_is_deterministic():
    devices = [SipDevice("201", "pw", "201", "A")]

    forwards, backwards = EngineInput(SETTINGS, tuple(devices)), EngineInput(SETTINGS, tuple(reversed(devices)))
    assert render_all(forwards) == render_all(backwards)


def test_no_guest_access_modules_are_loaded():
    names = {name for name, _ in MODULES}

    assert "res_pjsip_endpoint_identifier_anonymous.so" not in names
    assert not names & {"chan_iax2.so", "pbx_dundi.so", "cel_sqlite3_custom.so", "res_ari.so"}
    assert {"res_pjsip_pubsub.so", "chan_pjsip.so"} <= names


def test_media_is_pinned_to_a_specific_bind_address():
    device = SipDevice("201", "pw", "201", "A")

    pinned = endpoint_rows([device], "127.0.0.1")["ps_endpoints"][0]
    wildcard = endpoint_rows([device], None)["ps_endpoints"][0]

    assert (pinned["media_address"], pinned["bind_rtp_to_media_address"]) == ("127.0.0.1", "yes")
    assert "media_address" not in wildcard
    assert replace(SETTINGS, bind_address="0.0.0.0").media_address is None


def test_ipv6_transports_bracket_the_address():
    text = render_pjsip_conf(replace(SETTINGS, bind_address="::1", sip_port=5070))

    assert "bind = [::1]:5070" in text


@pytest.mark.parametrize("field, value", [
    ("username", "a;b"), ("username", ""), ("extension", "_X."), ("extension", "20a"),
    ("display_name", 'Eve" <666>'), ("context", "in ternal"), ("password", "line\nbreak"),
    ("max_contacts", 0),
])
def test_device_rejects_values_that_would_break_the_config(field, value):
    fields = {"username": "201", "password": "pw", "extension": "201", "display_name": "A", field: value}

    with pytest.raises(ValueError):
        SipDevice(**fields)
