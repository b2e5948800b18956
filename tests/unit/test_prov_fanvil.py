"""What only Fanvil does: file names, time zone in quarter hours, DSS key pages, sysConf paths, the phonebook.

The rest (User-Agents, accounts, escaping, secrets, golden files) is in test_prov_contract.py.
"""
import xml.etree.ElementTree as ET

import pytest

from provisioning.base import DirectoryEntry, Key, Line, PhoneConfig
from provisioning.vendors.fanvil import fanvil

HOSTILE = 'Ana "<&>" ;x ]]> <!-- \' %NULL%'


def make_config(model="X4U", mac="0c383e07e16c", **changes):
    """Return a PhoneConfig with two accounts, a BLF, a speed dial and every optional setting filled in."""
    settings = {
        "mac": mac, "model": model, "sip_server": "pbx.example.test", "sip_port": 5060,
        "lines": (Line("201", "pw-201-Zq9", "Ana Souza", "201"), Line("202", "pw-202-Xk4", "Recepção", "202")),
        "keys": (Key("blf", "203", "Bruno"), Key("speeddial", "*97", "Correio")),
        "directory_url": "https://pbx.example.test/prov/tok123/directory.xml?a=1&b=2",
        "provisioning_url": "https://pbx.example.test/prov/tok123/",
        "admin_password": "adm-Rt5", "extra": {"phone.display.LCDTitle": "Centralina"},
    }
    settings.update(changes)
    return PhoneConfig(**settings)


def mac_file(config):
    """Return the per-MAC file of ``config`` parsed as XML."""
    return ET.fromstring(fanvil.files(config)[f"{config.mac}.cfg"])


@pytest.mark.parametrize("model, common", [
    ("X4U", "f0X4Uhw1.100.cfg"), ("X6U-Pro", "f0X6Uhw1.100.cfg"), ("X210i", "f0X210ihw1.100.cfg"),
])
def test_boot_sequence_is_model_file_then_mac_file(model, common):
    assert list(fanvil.files(make_config(model=model))) == [common, "0c383e07e16c.cfg"]


def test_an_unknown_variant_of_a_known_model_is_refused():
    with pytest.raises(ValueError, match="unsupported Fanvil model"):
        fanvil.files(make_config(model="X6U-Max"))


def test_sao_paulo_is_utc_minus_3_in_quarter_hours_without_daylight_time():
    date = mac_file(make_config(timezone="America/Sao_Paulo")).find("./phone/date")
    assert (date.findtext("TimeZone"), date.findtext("TimeZoneName"), date.findtext("EnableDST")) == (
        "-12", "UTC-03", "0")


def test_daylight_zone_gets_a_weekly_rule():
    date = mac_file(make_config(timezone="Europe/Lisbon")).find("./phone/date")
    assert (date.findtext("TimeZone"), date.findtext("TimeZoneName"), date.findtext("EnableDST")) == ("0", "UCT", "2")
    assert [date.findtext(f"DSTStart{part}") for part in ("Mon", "Week", "Wday", "Hour")] == ["3", "-1", "6", "1"]


def test_keys_follow_the_line_keys_as_blf_and_speed_dial_across_pages():
    pages = mac_file(make_config()).findall("./dsskey/dssSide")  # the X4U shows 3 side keys per page
    keys = [(page.get("index"), key.get("index"), key.findtext("Type"), key.findtext("Value"), key.findtext("Title"))
            for page in pages for key in page.findall("Fkey")]
    assert keys == [("1", "1", "2", "SIP1", "201"), ("1", "2", "2", "SIP2", "202"),
                    ("1", "3", "1", "203@1/ba", "Bruno"), ("2", "1", "1", "*97@1/f", "Correio")]


def test_directory_url_sits_on_a_soft_key_escaped():
    soft = mac_file(make_config()).find("./dsskey/dssSoft")
    assert (soft.findtext("Type"), soft.findtext("Value")) == (
        "21", "https://pbx.example.test/prov/tok123/directory.xml?a=1&b=2")


def test_phone_keeps_coming_back_to_its_own_url():
    ap = mac_file(make_config(resync_interval_minutes=1440)).find("./ap")
    assert (ap.findtext("FlashServerIP"), ap.findtext("FlashFileName"), ap.findtext("FlashProtocol")) == (
        "https://pbx.example.test/prov/tok123/", "$mac.cfg", "5")
    assert (ap.findtext("FlashMode"), ap.findtext("FlashInterval"), ap.findtext("pnp/PNPEnable")) == ("2", "24", "0")


def test_extra_settings_are_appended_last_and_escaped():
    root = mac_file(make_config(extra={"sip.line[2].DTMFMode": "2", "phone.display.LCDTitle": HOSTILE}))
    assert root[-1].tag == "sip" and root[-1].find("line").get("index") == "2"
    assert root[-2].findtext("./display/LCDTitle") == HOSTILE


@pytest.mark.parametrize("path", ["1phone", "phone..display", "phone.display[x]"])
def test_extra_settings_with_a_bad_path_are_refused(path):
    with pytest.raises(ValueError, match="invalid Fanvil setting path"):
        fanvil.files(make_config(extra={path: "1"}))


def test_the_all_zero_mac_file_is_not_sensitive():
    assert not fanvil.sensitive("000000000000.cfg")
    assert fanvil.mac_from_path("000000000000.cfg") is None


def test_directory_is_a_fanvil_directory_of_entries():
    entries = [DirectoryEntry("Ana Souza", "201"), DirectoryEntry("Zé & Cia", "0800")]

    root = ET.fromstring(fanvil.directory(entries))

    assert root.tag == "FanvilIPPhoneDirectory"
    assert [(entry.findtext("Name"), entry.findtext("Telephone")) for entry in root.iter("DirectoryEntry")] == [
        (entry.name, entry.number) for entry in entries]
