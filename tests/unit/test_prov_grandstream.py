"""Grandstream provisioning: which files a phone gets, what they say, and the phonebook."""
import dataclasses
from xml.etree import ElementTree

import pytest

from provisioning.base import DirectoryEntry, Identity, Key, Line, PhoneConfig
from provisioning.vendors import identify, load_all
from provisioning.vendors.grandstream import grandstream, mpk_pvalues, posix_tz
from tests.golden import assert_golden

HOSTILE = 'Ana "<&>" ;x'
CONFIG = PhoneConfig(
    mac="c074ad0b63ee",
    model="GRP2614",
    lines=(Line("201", "s3cr3t-201", HOSTILE, "201"), Line("202", "s3cr3t-202", "Bruno", "202")),
    sip_server="pbx.example.com",
    keys=(Key("blf", "203", HOSTILE), Key("speeddial", "*97", "Correio de voz")),
    directory_url="https://pbx.example.com/prov/tok/directory.xml",
    provisioning_url="https://pbx.example.com/prov/tok",
    admin_password="Adm1nPass",
    extra={"P1376": "1 & <2>"},
)
#: One phone per family: (model, MAC) from the real User-Agents below.
FAMILY_PHONES = {
    "grp26xx": ("GRP2614", "c074ad0b63ee"),
    "gxp21xx": ("GXP2135", "000b828aa872"),
    "gxp16xx": ("GXP1628", "c074ad2bd859"),
    "ht80x": ("HT801", "c074ad273a10"),
}
#: Captured User-Agents: wazo-provd-plugins wazo_grandstream/common/common.py and fusionpbx app/provision;
#: the GXP2170 form is the one quoted in the project brief.
USER_AGENTS = [
    ("Grandstream Model HW GRP2614 SW 1.0.5.15 DevId c074ad0b63ee", "GRP2614", "1.0.5.15", "c074ad0b63ee"),
    ("Grandstream Model HW GXP2135 SW 1.0.7.97 DevId 000b828aa872", "GXP2135", "1.0.7.97", "000b828aa872"),
    ("Grandstream Model HW GXP1628 SW 1.0.4.138 DevId c074ad2bd859", "GXP1628", "1.0.4.138", "c074ad2bd859"),
    ("Grandstream Model HW HT801 V1.1A SW 1.0.17.5 DevId c074ad273a10", "HT801", "1.0.17.5", "c074ad273a10"),
    ("Grandstream GXP2170 (HW 1.5) 1.0.11.3", "GXP2170", "1.0.11.3", None),
]


def phone(family):
    """Return CONFIG for the family's phone (one line on an ATA, which has one port)."""
    model, mac = FAMILY_PHONES[family]
    lines = CONFIG.lines[:1] if family == "ht80x" else CONFIG.lines
    return dataclasses.replace(CONFIG, model=model, mac=mac, lines=lines)


def pvalues(body):
    """Return ``{P-value: text}`` of a Grandstream XML config file."""
    return {element.tag: element.text or "" for element in ElementTree.fromstring(body).find("config")}


@pytest.mark.parametrize("family", sorted(FAMILY_PHONES))
def test_per_mac_file_matches_golden(family):
    config = phone(family)

    files = grandstream.files(config)

    assert_golden(f"prov/grandstream/{family}/cfg{config.mac}.xml", files[f"cfg{config.mac}.xml"].decode())


@pytest.mark.parametrize("family", ["grp26xx", "ht80x"])
def test_bootstrap_file_matches_golden(family):
    config = phone(family)

    files = grandstream.files(config)

    name = f"cfg{config.model.lower()}.xml"
    assert_golden(f"prov/grandstream/{family}/{name}", files[name].decode())
    assert files["cfg.xml"] == files[name]


@pytest.mark.parametrize(("user_agent", "model", "firmware", "mac"), USER_AGENTS)
def test_user_agent_gives_model_firmware_and_mac(user_agent, model, firmware, mac):
    assert grandstream.identify(user_agent) == Identity("grandstream", model, firmware, mac)


@pytest.mark.parametrize("user_agent", [
    "Yealink SIP-T46S 66.86.0.15 80:5e:c0:11:22:33",
    "Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)",
    "Grandstream Model HW GXV3350  V1.3A SW 1.0.1.8 DevId c074ad150b88",  # a video phone we do not provision
    "",
])
def test_other_user_agents_are_not_grandstream(user_agent):
    assert grandstream.identify(user_agent) is None


def test_registry_finds_grandstream_by_user_agent():
    load_all()

    vendor, identity = identify(USER_AGENTS[0][0])

    assert vendor is grandstream
    assert identity.model == "GRP2614"


def test_phone_gets_its_mac_file_then_the_bootstrap_files():
    files = grandstream.files(CONFIG)

    # cfg<mac> (the binary format) is left out on purpose: the blueprint answers 404 and the phone moves on.
    assert list(files) == ["cfgc074ad0b63ee.xml", "cfggrp2614.xml", "cfg.xml"]


def test_read_lines_gives_back_the_credentials():
    lines = grandstream.read_lines(grandstream.files(CONFIG))

    assert lines == [("201", "s3cr3t-201", "pbx.example.com", 5060), ("202", "s3cr3t-202", "pbx.example.com", 5060)]


def test_hostile_names_stay_escaped():
    values = pvalues(grandstream.files(CONFIG)["cfgc074ad0b63ee.xml"])

    assert values["P3"] == HOSTILE
    assert values["P302"] == HOSTILE
    assert values["P1376"] == "1 & <2>"


def test_sao_paulo_is_utc_minus_three_without_daylight_time():
    values = pvalues(grandstream.files(CONFIG)["cfgc074ad0b63ee.xml"])

    assert (values["P64"], values["P246"]) == ("customize", "LST3")
    assert posix_tz("Europe/Paris") == "CET-1CEST,M3.5.0,M10.5.0/3"


def test_keys_render_as_blf_and_speed_dial_multi_purpose_keys():
    values = pvalues(grandstream.files(CONFIG)["cfgc074ad0b63ee.xml"])

    assert [values[p] for p in ("P323", "P301", "P303")] == ["1", "0", "203"]  # MPK 1: BLF, account 1
    assert [values[p] for p in ("P324", "P305", "P306")] == ["0", "Correio de voz", "*97"]  # MPK 2: speed dial
    assert mpk_pvalues(8) == (353, 354, 355, 356)
    assert mpk_pvalues(19) == (1440, 1441, 1442, 1443)


def test_firmware_is_left_alone_without_a_firmware_url():
    values = pvalues(grandstream.files(CONFIG)["cfgc074ad0b63ee.xml"])

    assert "P192" not in values
    assert values["P238"] == "2"


def test_firmware_url_becomes_the_firmware_server_path():
    config = dataclasses.replace(CONFIG, firmware_url="https://pbx.example.com/firmware/grp2614/")

    values = pvalues(grandstream.files(config)["cfgc074ad0b63ee.xml"])

    assert [values["P238"], values["P6767"], values["P192"]] == ["0", "2", "pbx.example.com/firmware/grp2614"]


def test_phonebook_path_is_the_folder_where_the_phone_asks_for_phonebook_xml():
    values = pvalues(grandstream.files(CONFIG)["cfgc074ad0b63ee.xml"])

    assert [values["P330"], values["P331"]] == ["3", "pbx.example.com/prov/tok"]


def test_unassigned_phone_still_gets_the_bootstrap_file():
    config = PhoneConfig(mac="000000000000", model="GRP2614", lines=(), sip_server="",
                         provisioning_url="https://pbx.example.com/prov")

    values = pvalues(grandstream.files(config)["cfggrp2614.xml"])

    assert values["P237"] == "pbx.example.com/prov"


def test_phone_keeps_coming_back_at_a_random_time():
    values = pvalues(grandstream.files(CONFIG)["cfg.xml"])

    assert [values[p] for p in ("P212", "P237", "P194", "P8458")] == ["2", "pbx.example.com/prov/tok", "2", "1"]


@pytest.mark.parametrize(("name", "sensitive"), [
    ("cfgc074ad0b63ee.xml", True),
    ("cfgc074ad0b63ee", True),
    ("cfggrp2614.xml", False),
    ("cfg.xml", False),
    ("phonebook.xml", False),
])
def test_only_per_mac_files_are_sensitive(name, sensitive):
    assert grandstream.sensitive(name) is sensitive


def test_bootstrap_files_carry_no_secret():
    files = grandstream.files(CONFIG)

    for name in ("cfggrp2614.xml", "cfg.xml"):
        assert b"s3cr3t" not in files[name] and b"Adm1nPass" not in files[name]


def test_mac_comes_from_per_mac_file_names_only():
    assert grandstream.mac_from_path("cfgc074ad0b63ee.xml") == "c074ad0b63ee"
    assert grandstream.mac_from_path("cfggrp2614.xml") is None


def test_directory_is_an_address_book_with_every_entry():
    entries = [DirectoryEntry(HOSTILE, "201"), DirectoryEntry("Bruno", "202")]

    book = ElementTree.fromstring(grandstream.directory(entries))

    assert book.tag == "AddressBook"
    found = [(c.findtext("FirstName"), c.findtext("Phone/phonenumber")) for c in book.iter("Contact")]
    assert found == [(HOSTILE, "201"), ("Bruno", "202")]


@pytest.mark.parametrize("changes", [
    {"extra": {"P8><x": "1"}},
    {"lines": CONFIG.lines * 3},
    {"model": "GXV3350"},
])
def test_unsafe_or_unsupported_settings_are_refused(changes):
    with pytest.raises(ValueError):
        grandstream.files(dataclasses.replace(CONFIG, **changes))
