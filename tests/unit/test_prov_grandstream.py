"""What only Grandstream does: the file names it tries, P-values, POSIX time zones, keys, paths without a scheme.

The rest (User-Agents, accounts, escaping, secrets, golden files) is in test_prov_contract.py.
"""
import dataclasses
from xml.etree import ElementTree

import pytest

from provisioning.base import DirectoryEntry, Key, Line, PhoneConfig
from provisioning.vendors.grandstream import grandstream, mpk_pvalues, posix_tz

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


def pvalues(body):
    """Return ``{P-value: text}`` of a Grandstream XML config file."""
    return {element.tag: element.text or "" for element in ElementTree.fromstring(body).find("config")}


def test_phone_gets_its_mac_file_then_the_bootstrap_files():
    files = grandstream.files(CONFIG)

    # cfg<mac> (the binary format) is left out on purpose: the blueprint answers 404 and the phone moves on.
    assert list(files) == ["cfgc074ad0b63ee.xml", "cfggrp2614.xml", "cfg.xml"]


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


def test_the_binary_per_mac_file_we_never_serve_is_sensitive_too():
    # cfg<mac> is Grandstream's binary format: we produce none, but the name still names one phone.
    assert grandstream.sensitive("cfgc074ad0b63ee")
    assert grandstream.mac_from_path("cfgc074ad0b63ee") == "c074ad0b63ee"


def test_directory_is_an_address_book_of_contacts():
    entries = [DirectoryEntry("Ana Souza", "201"), DirectoryEntry("Bruno", "202")]

    book = ElementTree.fromstring(grandstream.directory(entries))

    assert book.tag == "AddressBook"
    found = [(c.findtext("FirstName"), c.findtext("Phone/phonenumber")) for c in book.iter("Contact")]
    assert found == [("Ana Souza", "201"), ("Bruno", "202")]


@pytest.mark.parametrize(("model", "accounts"), [("GRP2614", 5), ("HT801", 2)])
def test_more_accounts_than_the_phone_takes_are_refused(model, accounts):
    with pytest.raises(ValueError, match="at most"):
        grandstream.files(dataclasses.replace(CONFIG, model=model, lines=(CONFIG.lines * 3)[:accounts]))
