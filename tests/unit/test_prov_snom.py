"""Snom provisioning: which files a phone gets, what they say, and the directory."""
import dataclasses
from xml.etree import ElementTree

import pytest

from provisioning.base import DirectoryEntry, Identity, Key, Line, PhoneConfig
from provisioning.vendors import identify, load_all
from provisioning.vendors.snom import snom, snom_timezone
from tests.golden import assert_golden

HOSTILE = 'Ana "<&>" ;x'
CONFIG = PhoneConfig(
    mac="000413922d24",
    model="D785",
    lines=(Line("201", "s3cr3t-201", HOSTILE, "201"), Line("202", "s3cr3t-202", "Bruno", "202")),
    sip_server="pbx.example.com",
    keys=(Key("blf", "203", HOSTILE), Key("speeddial", "*97", "Correio de voz")),
    directory_url="https://pbx.example.com/prov/tok/directory.xml",
    provisioning_url="https://pbx.example.com/prov/tok",
    admin_password="Adm1nPass",
    extra={"dim_timer": "20 & <x>"},
)
#: One phone per family: (model, MAC).
FAMILY_PHONES = {"d7xx": ("D785", "000413922d24"), "d3xx": ("D385", "000413aabbcc"), "7xx": ("710", "000413741767")}
#: Captured User-Agents: wazo-provd-plugins wazo_snom/common/common.py and fusionpbx app/provision.
USER_AGENTS = [
    ("Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)",
     "D785", "10.1.33.33", "000413922d24"),
    ("Mozilla/4.0 (compatible; snomD785-SIP 10.1.169.16 2010.12-00001-gd311851f1 (Feb 25 2019 - 14:19:43) "
     "00041396D9B4 SXM:0 UXM:0 UXMC:0)", "D785", "10.1.169.16", "00041396d9b4"),
    ("Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)",
     "710", "8.7.5.35", "000413741767"),
    ("Mozilla/4.0 (compatible; snom710-SIP 8.7.3.19 1.1.5-IFX-05.01.12)", "710", "8.7.3.19", None),
    ("Mozilla/4.0 (compatible; snom760-SIP 8.7.3.19 2010.06)", "760", "8.7.3.19", None),
]


def phone(family):
    """Return CONFIG for the family's phone."""
    model, mac = FAMILY_PHONES[family]
    return dataclasses.replace(CONFIG, model=model, mac=mac)


def settings(body):
    """Return ``{(setting, idx): text}`` of a Snom settings document."""
    root = ElementTree.fromstring(body).find("phone-settings")
    return {(element.tag, element.get("idx")): element.text or "" for element in root}


@pytest.mark.parametrize("family", sorted(FAMILY_PHONES))
def test_files_match_golden(family):
    config = phone(family)

    files = snom.files(config)

    for name, body in files.items():
        assert_golden(f"prov/snom/{family}/{name}", body.decode())


@pytest.mark.parametrize(("user_agent", "model", "firmware", "mac"), USER_AGENTS)
def test_user_agent_gives_model_firmware_and_mac(user_agent, model, firmware, mac):
    assert snom.identify(user_agent) == Identity("snom", model, firmware, mac)


@pytest.mark.parametrize("user_agent", [
    "Grandstream Model HW GRP2614 SW 1.0.5.15 DevId c074ad0b63ee",
    "Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)",  # a 3xx, not provisioned
    "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    "",
])
def test_other_user_agents_are_not_supported_snom_phones(user_agent):
    assert snom.identify(user_agent) is None


def test_registry_finds_snom_by_user_agent():
    load_all()

    vendor, identity = identify(USER_AGENTS[0][0])

    assert vendor is snom
    assert identity.mac == "000413922d24"


def test_old_firmware_mac_comes_from_the_path():
    assert snom.mac_from_path("snom710-000413741767.htm") == "000413741767"
    assert snom.mac_from_path("000413741767.xml") == "000413741767"
    assert snom.mac_from_path("snom710.htm") is None


def test_phone_gets_model_file_then_its_own_files():
    assert list(snom.files(CONFIG)) == ["snomD785.htm", "snomD785-000413922D24.htm", "000413922D24.xml"]


def test_firmware_file_is_served_only_with_a_firmware_url():
    config = dataclasses.replace(CONFIG, firmware_url="https://pbx.example.com/firmware/snomD785-10.1.198.19-r.bin")

    files = snom.files(config)

    assert list(files)[-1] == "snomD785-firmware.xml"
    assert ElementTree.fromstring(files["snomD785-firmware.xml"]).findtext("firmware") == config.firmware_url
    values = settings(files["000413922D24.xml"])
    assert values[("firmware_status", None)] == "https://pbx.example.com/prov/tok/snomD785-firmware.xml"


def test_firmware_setting_is_absent_without_a_firmware_url():
    values = settings(snom.files(CONFIG)["000413922D24.xml"])

    assert ("firmware_status", None) not in values and ("update_policy", None) not in values


def test_read_lines_gives_back_the_credentials():
    lines = snom.read_lines(snom.files(CONFIG))

    assert lines == [("201", "s3cr3t-201", "pbx.example.com", 5060), ("202", "s3cr3t-202", "pbx.example.com", 5060)]


def test_hostile_names_stay_escaped():
    body = snom.files(CONFIG)["000413922D24.xml"]

    values = settings(body)
    assert values[("user_realname", "1")] == HOSTILE
    assert values[("dim_timer", None)] == "20 & <x>"
    assert ElementTree.fromstring(body).find("functionKeys/fkey[@idx='2']").get("label") == HOSTILE


def test_sao_paulo_is_brazil_minus_three():
    values = settings(snom.files(CONFIG)["snomD785.htm"])

    assert values[("timezone", None)] == "BRA-3"
    assert snom_timezone("America/New_York") == "USA-5"
    assert snom_timezone("Asia/Kolkata") is None  # no known Snom code: the phone keeps its own zone


def test_keys_follow_the_line_keys_as_blf_and_speed_dial():
    keys = ElementTree.fromstring(snom.files(CONFIG)["000413922D24.xml"]).findall("functionKeys/fkey")

    assert [(key.get("idx"), key.get("context"), key.text) for key in keys] == [
        ("0", "1", "line"), ("1", "2", "line"), ("2", "active", "blf 203"), ("3", "active", "speed *97"),
    ]


def test_unassigned_phone_still_gets_the_model_file():
    config = PhoneConfig(mac="000000000000", model="D785", lines=(), sip_server="",
                         provisioning_url="https://pbx.example.com/prov")

    values = settings(snom.files(config)["snomD785.htm"])

    assert values[("timezone", None)] == "BRA-3"


def test_phone_keeps_coming_back_to_the_provisioning_server():
    values = settings(snom.files(CONFIG)["000413922D24.xml"])

    assert values[("setting_server", None)] == "https://pbx.example.com/prov/tok/"
    assert values[("settings_refresh_timer", None)] == "86400"
    assert values[("prov_back_off_timer", None)] == "1,600:3600"


@pytest.mark.parametrize(("name", "sensitive"), [
    ("000413922D24.xml", True),
    ("snomD785-000413922D24.htm", True),
    ("snomD785.htm", False),
    ("snomD785-firmware.xml", False),
])
def test_only_per_mac_files_are_sensitive(name, sensitive):
    assert snom.sensitive(name) is sensitive


def test_model_file_carries_no_secret():
    body = snom.files(CONFIG)["snomD785.htm"]

    assert b"s3cr3t" not in body and b"Adm1nPass" not in body


def test_directory_is_well_formed_with_every_entry():
    entries = [DirectoryEntry(HOSTILE, "201"), DirectoryEntry("Bruno", "202")]

    root = ElementTree.fromstring(snom.directory(entries, title="Empresa"))

    assert (root.tag, root.findtext("Title")) == ("SnomIPPhoneDirectory", "Empresa")
    found = [(e.findtext("Name"), e.findtext("Telephone")) for e in root.iter("DirectoryEntry")]
    assert found == [(HOSTILE, "201"), ("Bruno", "202")]


@pytest.mark.parametrize("changes", [{"extra": {"user_pass idx": "x"}}, {"model": "D865"}])
def test_unsafe_or_unsupported_settings_are_refused(changes):
    with pytest.raises(ValueError):
        snom.files(dataclasses.replace(CONFIG, **changes))
