"""Fanvil provisioning: identification, the boot sequence, escaping, time zones, keys and golden files."""
import xml.etree.ElementTree as ET

import pytest

from provisioning.base import DirectoryEntry, Identity, Key, Line, PhoneConfig
from provisioning.vendors import by_name, identify
from provisioning.vendors.fanvil import fanvil
from tests.golden import assert_golden

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


@pytest.mark.parametrize("model, family", [("X4U", "xu"), ("X210", "x210")])
def test_each_family_renders_its_golden_files(model, family):
    config = make_config(model=model, firmware_url=f"https://pbx.example.test/fw/{model}.z")
    for name, content in fanvil.files(config).items():
        ET.fromstring(content)
        assert_golden(f"prov/fanvil/{family}/{name}", content.decode())


@pytest.mark.parametrize("user_agent, model, firmware, mac", [
    ("Fanvil X6U Pro 0.0.10 0c383e2cd782", "X6U-Pro", "0.0.10", "0c383e2cd782"),
    ("Fanvil X5U-V2 2.12.16.17 0c383e557eb1", "X5U-V2", "2.12.16.17", "0c383e557eb1"),
    ("Fanvil X6U-V2 2.12.16.18 0c383e32a7cb", "X6U-V2", "2.12.16.18", "0c383e32a7cb"),
    # No X4U/X210 UA was found captured: these follow the format of the captured ones above.
    ("Fanvil X4U 2.12.16.17 0c383e07e16c", "X4U", "2.12.16.17", "0c383e07e16c"),
    ("Fanvil X210 2.12.20 0c383e0a0b0c", "X210", "2.12.20", "0c383e0a0b0c"),
    ("Fanvil X6U 2.12.16.17", "X6U", "2.12.16.17", None),
])
def test_user_agent_gives_model_firmware_and_mac(user_agent, model, firmware, mac):
    assert fanvil.identify(user_agent) == Identity("fanvil", model, firmware, mac)


@pytest.mark.parametrize("user_agent", [
    "Fanvil X4 2.10.2.6887 0c383e07e16c",  # older <VOIP_CONFIG_FILE> firmware: not provisioned here
    "Fanvil V67 2.6.6.187 0c383e2b29e6",
    "Yealink SIP-T46S 66.86.0.15 80:5e:c0:aa:bb:cc",
    "",
])
def test_other_user_agents_are_not_claimed(user_agent):
    assert fanvil.identify(user_agent) is None


def test_registry_finds_fanvil_by_name_and_user_agent():
    assert by_name("fanvil") is fanvil
    assert identify("Fanvil X6U-V2 2.12.16.18 0c383e32a7cb")[0] is fanvil


@pytest.mark.parametrize("model, common", [
    ("X4U", "f0X4Uhw1.100.cfg"), ("X6U-Pro", "f0X6Uhw1.100.cfg"), ("X210i", "f0X210ihw1.100.cfg"),
])
def test_boot_sequence_is_model_file_then_mac_file(model, common):
    assert list(fanvil.files(make_config(model=model))) == [common, "0c383e07e16c.cfg"]


@pytest.mark.parametrize("model", ["X4", "X6U-Max", "V67"])
def test_unknown_model_is_refused(model):
    with pytest.raises(ValueError, match="unsupported Fanvil model"):
        fanvil.files(make_config(model=model))


def test_read_lines_gives_back_every_account():
    assert fanvil.read_lines(fanvil.files(make_config())) == [
        ("201", "pw-201-Zq9", "pbx.example.test", 5060), ("202", "pw-202-Xk4", "pbx.example.test", 5060)]


def test_hostile_values_are_read_back_unchanged():
    config = make_config(lines=(Line("201", HOSTILE, HOSTILE, "201"),), admin_password=HOSTILE)
    root = mac_file(config)
    assert root.findtext("./sip/line/DisplayName") == HOSTILE
    assert fanvil.read_lines(fanvil.files(config)) == [("201", HOSTILE, "pbx.example.test", 5060)]
    assert root.findtext("./web/account/Password") == HOSTILE


def test_secrets_stay_out_of_the_common_file():
    for name, content in fanvil.files(make_config()).items():
        if not fanvil.sensitive(name):
            for secret in ("pw-201-Zq9", "adm-Rt5", "tok123"):
                assert secret not in content.decode()


def test_sao_paulo_is_utc_minus_3_in_quarter_hours_without_daylight_time():
    date = mac_file(make_config(timezone="America/Sao_Paulo")).find("./phone/date")
    assert (date.findtext("TimeZone"), date.findtext("TimeZoneName"), date.findtext("EnableDST")) == (
        "-12", "UTC-03", "0")


def test_daylight_zone_gets_a_weekly_rule():
    date = mac_file(make_config(timezone="Europe/Lisbon")).find("./phone/date")
    assert (date.findtext("TimeZone"), date.findtext("TimeZoneName"), date.findtext("EnableDST")) == ("0", "UCT", "2")
    assert [date.findtext(f"DSTStart{part}") for part in ("Mon", "Week", "Wday", "Hour")] == ["3", "-1", "6", "1"]


def test_language_is_portuguese_or_english():
    assert mac_file(make_config()).findtext("./phone/display/DefaultLanguage") == "pt"
    assert mac_file(make_config(language="en")).findtext("./phone/display/DefaultLanguage") == "en"


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


def test_firmware_url_only_when_set():
    assert mac_file(make_config()).find("./AUTOUPDATE_CONFIG_MODULE") is None
    root = mac_file(make_config(firmware_url="http://fw/x4u.z"))
    assert root.findtext("./AUTOUPDATE_CONFIG_MODULE/Auto_Image_URL") == "http://fw/x4u.z"


def test_phone_keeps_coming_back_to_its_own_url():
    ap = mac_file(make_config(resync_interval_minutes=1440)).find("./ap")
    assert (ap.findtext("FlashServerIP"), ap.findtext("FlashFileName"), ap.findtext("FlashProtocol")) == (
        "https://pbx.example.test/prov/tok123/", "$mac.cfg", "5")
    assert (ap.findtext("FlashMode"), ap.findtext("FlashInterval"), ap.findtext("pnp/PNPEnable")) == ("2", "24", "0")


def test_admin_password_only_when_set():
    assert mac_file(make_config()).findtext("./web/account/Password") == "adm-Rt5"
    assert mac_file(make_config(admin_password="")).find("./web") is None


def test_extra_settings_are_appended_last_and_escaped():
    root = mac_file(make_config(extra={"sip.line[2].DTMFMode": "2", "phone.display.LCDTitle": HOSTILE}))
    assert root[-1].tag == "sip" and root[-1].find("line").get("index") == "2"
    assert root[-2].findtext("./display/LCDTitle") == HOSTILE


@pytest.mark.parametrize("path", ["phone.<x>", "1phone", "phone..display", "phone.display[x]", "a b", "phone\n"])
def test_extra_settings_with_a_bad_path_are_refused(path):
    with pytest.raises(ValueError, match="invalid Fanvil setting path"):
        fanvil.files(make_config(extra={path: "1"}))


@pytest.mark.parametrize("name, sensitive", [
    ("0c383e07e16c.cfg", True), ("f0X4Uhw1.100.cfg", False), ("000000000000.cfg", False), ("directory.xml", False),
])
def test_only_the_mac_file_is_sensitive(name, sensitive):
    assert fanvil.sensitive(name) is sensitive
    assert fanvil.mac_from_path(name) == ("0c383e07e16c" if sensitive else None)


def test_directory_is_well_formed_xml_with_every_entry():
    entries = [DirectoryEntry("Ana Souza", "201"), DirectoryEntry(HOSTILE, "202"), DirectoryEntry("Zé & Cia", "0800")]
    root = ET.fromstring(fanvil.directory(entries))
    assert root.tag == "FanvilIPPhoneDirectory"
    assert [(entry.findtext("Name"), entry.findtext("Telephone")) for entry in root.iter("DirectoryEntry")] == [
        (entry.name, entry.number) for entry in entries]


def test_check_sync_notify_header():
    assert fanvil.check_sync == {"Event": "check-sync"}
