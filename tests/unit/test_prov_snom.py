"""What only Snom does: the general file, then the MAC's own two, the firmware file, BRA-3 time zones, keys.

The rest (User-Agents, accounts, escaping, secrets, golden files) is in test_prov_contract.py.
"""
import dataclasses
from xml.etree import ElementTree

import pytest

from provisioning.base import DirectoryEntry, Key, Line, PhoneConfig
from provisioning.vendors.snom import snom, snom_timezone

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


def settings(body):
    """Return ``{(setting, idx): text}`` of a Snom settings document."""
    root = ElementTree.fromstring(body).find("phone-settings")
    return {(element.tag, element.get("idx")): element.text or "" for element in root}


def test_phone_gets_model_file_then_its_own_files():
    assert list(snom.files(CONFIG)) == ["snomD785.htm", "snomD785-000413922D24.htm", "000413922D24.xml"]


def test_firmware_file_is_served_only_with_a_firmware_url():
    config = dataclasses.replace(CONFIG, firmware_url="https://pbx.example.com/firmware/snomD785-10.1.198.19-r.bin")

    files = snom.files(config)

    assert list(files)[-1] == "snomD785-firmware.xml"
    assert ElementTree.fromstring(files["snomD785-firmware.xml"]).findtext("firmware") == config.firmware_url
    values = settings(files["000413922D24.xml"])
    assert values[("firmware_status", None)] == "https://pbx.example.com/prov/tok/snomD785-firmware.xml"


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


def test_directory_is_a_snom_directory_with_its_title():
    entries = [DirectoryEntry("Ana Souza", "201"), DirectoryEntry("Bruno", "202")]

    root = ElementTree.fromstring(snom.directory(entries, title="Empresa"))

    assert (root.tag, root.findtext("Title")) == ("SnomIPPhoneDirectory", "Empresa")
    found = [(e.findtext("Name"), e.findtext("Telephone")) for e in root.iter("DirectoryEntry")]
    assert found == [("Ana Souza", "201"), ("Bruno", "202")]


def test_d8xx_models_are_refused():
    with pytest.raises(ValueError, match="not supported"):
        snom.files(dataclasses.replace(CONFIG, model="D865"))
