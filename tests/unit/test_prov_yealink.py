"""Yealink provisioning: identification, the boot sequence, escaping, time zones, keys and golden files."""
import xml.etree.ElementTree as ET

import pytest

from provisioning.base import DirectoryEntry, Identity, Key, Line, PhoneConfig
from provisioning.vendors import by_name, identify
from provisioning.vendors.yealink import parse_cfg, yealink
from tests.golden import assert_golden

HOSTILE = 'Ana "<&>" ;x # =\\ %NULL'


def make_config(model="T46S", mac="805ec0a1b2c3", **changes):
    """Return a PhoneConfig with two accounts, a BLF, a speed dial and every optional setting filled in."""
    settings = {
        "mac": mac, "model": model, "sip_server": "pbx.example.test", "sip_port": 5060,
        "lines": (Line("201", "pw-201-Zq9", "Ana Souza", "201"), Line("202", "pw-202-Xk4", "Recepção", "202")),
        "keys": (Key("blf", "203", "Bruno"), Key("speeddial", "*97", "Correio")),
        "directory_url": "https://pbx.example.test/prov/tok123/directory.xml",
        "provisioning_url": "https://pbx.example.test/prov/tok123/",
        "admin_password": "adm-Rt5", "extra": {"features.dnd.enable": "1"},
    }
    settings.update(changes)
    return PhoneConfig(**settings)


def mac_file(config):
    """Return the per-MAC file of ``config`` parsed as the phone reads it."""
    return parse_cfg(yealink.files(config)[f"{config.mac}.cfg"].decode())


@pytest.mark.parametrize("model, family", [
    ("T31G", "t3x"), ("T46S", "t4xs"), ("T46U", "t4xu"), ("T54W", "t5x"), ("W60B", "w60b"),
])
def test_each_family_renders_its_golden_files(model, family):
    config = make_config(model=model, firmware_url=f"https://pbx.example.test/fw/{model}.rom")
    for name, content in yealink.files(config).items():
        assert_golden(f"prov/yealink/{family}/{name}", content.decode())


@pytest.mark.parametrize("user_agent, model, firmware, mac", [
    ("Yealink SIP-T31G 124.85.257.55 80:5e:c0:d5:7d:72", "T31G", "124.85.257.55", "805ec0d57d72"),
    ("Yealink SIP-T33G 124.85.257.55 80:5e:c0:bd:ea:ef", "T33G", "124.85.257.55", "805ec0bdeaef"),
    ("Yealink SIP-T34W 124.86.0.75 24:9a:d8:88:d0:f4", "T34W", "124.86.0.75", "249ad888d0f4"),
    ("Yealink SIP-T46S 66.86.0.15 80:5e:c0:aa:bb:cc", "T46S", "66.86.0.15", "805ec0aabbcc"),
    ("Yealink SIP-T46U 108.86.0.20 80:5e:c0:00:00:02", "T46U", "108.86.0.20", "805ec0000002"),
    ("Yealink SIP-T43U 108.84.0.50", "T43U", "108.84.0.50", None),
    ("Yealink SIP-T54W 96.86.0.70 80:5e:c0:aa:bb:cc", "T54W", "96.86.0.70", "805ec0aabbcc"),  # MAC masked
    ("Yealink SIP-T54W 96.85.0.5", "T54W", "96.85.0.5", None),
    ("Yealink W60B 77.81.0.35 80:5e:c0:09:ab:dc", "W60B", "77.81.0.35", "805ec009abdc"),
])
def test_user_agent_gives_model_firmware_and_mac(user_agent, model, firmware, mac):
    assert yealink.identify(user_agent) == Identity("yealink", model, firmware, mac)


@pytest.mark.parametrize("user_agent", [
    "Fanvil X4U 2.12.16.17 0c383e07e16c",
    "Grandstream Model HW GRP2614 SW 1.0.5.15 DevId c074ad0b63ee",
    "Yealink SIP-T23G 44.80.0.60 00:15:65:93:70:f2",  # a T2x: a family we do not provision
    "Mozilla/5.0",
    "",
])
def test_other_user_agents_are_not_claimed(user_agent):
    assert yealink.identify(user_agent) is None


def test_registry_finds_yealink_by_name_and_user_agent():
    assert by_name("yealink") is yealink
    assert identify("Yealink SIP-T46S 66.86.0.15 80:5e:c0:aa:bb:cc")[0] is yealink


@pytest.mark.parametrize("model, common", [
    ("T46S", "y000000000066.cfg"), ("T54W", "y000000000096.cfg"), ("T46U", "y000000000108.cfg"),
    ("T31G", "y000000000124.cfg"), ("W60B", "y000000000077.cfg"),
])
def test_boot_sequence_is_boot_file_then_model_file_then_mac_file(model, common):
    files = yealink.files(make_config(model=model))
    assert list(files) == ["y000000000000.boot", common, "805ec0a1b2c3.cfg"]
    boot = files["y000000000000.boot"].decode().splitlines()
    assert boot[0] == "#!version:1.0.0.1"
    assert [line for line in boot if line.startswith("include:config")] == [
        f'include:config "{common}"', 'include:config "805ec0a1b2c3.cfg"']


def test_device_override_beats_family_and_base_templates():
    override = '{% extends "w60b/mac.cfg" %}{% block language %}lang.wui = English\n{% endblock %}'
    files = yealink.files(make_config(model="W60B"), overrides={"mac.cfg": override})
    values = parse_cfg(files["805ec0a1b2c3.cfg"].decode())
    assert values["lang.wui"] == "English"
    assert "linekey.1.type" not in values  # the family template still applies underneath
    assert files["y000000000000.boot"] == yealink.files(make_config(model="W60B"))["y000000000000.boot"]


def test_unknown_model_is_refused():
    with pytest.raises(ValueError, match="unsupported Yealink model"):
        yealink.files(make_config(model="T23G"))


def test_read_lines_gives_back_every_account():
    assert yealink.read_lines(yealink.files(make_config())) == [
        ("201", "pw-201-Zq9", "pbx.example.test", 5060), ("202", "pw-202-Xk4", "pbx.example.test", 5060)]


def test_hostile_display_name_is_read_back_unchanged():
    config = make_config(lines=(Line("201", "pw", HOSTILE + "\r\nstatic.firmware.url = http://evil", "201"),))
    values = mac_file(config)
    assert values["account.1.display_name"] == HOSTILE + "  static.firmware.url = http://evil"
    assert "static.firmware.url" not in values


def test_secrets_stay_out_of_the_common_files():
    config = make_config()
    for name, content in yealink.files(config).items():
        if not yealink.sensitive(name):
            for secret in ("pw-201-Zq9", "adm-Rt5", "tok123"):
                assert secret not in content.decode()


def test_sao_paulo_is_utc_minus_3_without_daylight_time():
    values = mac_file(make_config(timezone="America/Sao_Paulo"))
    assert values["local_time.time_zone"] == "-3"
    assert values["local_time.summer_time"] == "0"


def test_daylight_zone_gets_a_weekly_rule():
    values = mac_file(make_config(timezone="America/New_York"))
    assert (values["local_time.time_zone"], values["local_time.summer_time"]) == ("-5", "1")
    assert (values["local_time.start_time"], values["local_time.end_time"]) == ("3/2/7/2", "11/1/7/2")


def test_language_is_portuguese_or_english():
    assert mac_file(make_config())["lang.gui"] == "Portuguese"
    assert mac_file(make_config(language="en"))["lang.wui"] == "English"


def test_keys_follow_the_line_keys_as_blf_and_speed_dial():
    values = mac_file(make_config())
    assert [values[f"linekey.{n}.type"] for n in range(1, 5)] == ["15", "15", "16", "13"]
    assert (values["linekey.3.value"], values["linekey.3.label"]) == ("203", "Bruno")


def test_dect_base_has_no_line_keys():
    assert not [key for key in mac_file(make_config(model="W60B")) if key.startswith("linekey.")]


def test_firmware_url_only_when_set():
    assert "static.firmware.url" not in mac_file(make_config())
    assert mac_file(make_config(firmware_url="http://fw/t46s.rom"))["static.firmware.url"] == "http://fw/t46s.rom"


def test_phone_keeps_coming_back_with_a_random_nightly_window():
    values = mac_file(make_config(resync_interval_minutes=1440, resync_random_delay_seconds=600))
    assert values["static.auto_provision.server.url"] == "https://pbx.example.test/prov/tok123/"
    assert values["static.auto_provision.flexible.enable"] == "1"
    assert (values["static.auto_provision.flexible.begin_time"], values["static.auto_provision.flexible.end_time"]) \
        == ("02:00", "02:10")
    hourly = mac_file(make_config(resync_interval_minutes=60))
    assert hourly["static.auto_provision.repeat.enable"] == "1"
    assert hourly["static.auto_provision.repeat.minutes"] == "60"


def test_admin_password_and_extra_settings():
    values = mac_file(make_config(extra={"features.dnd.enable": "1\nstatic.x = 2"}))
    assert values["static.security.user_password"] == "admin:adm-Rt5"
    assert values["features.dnd.enable"] == "1 static.x = 2"
    assert "static.security.user_password" not in mac_file(make_config(admin_password=""))


@pytest.mark.parametrize("key", ["features dnd", "a=b.c", "#x.y", "account.1.label\n", "nodots"])
def test_extra_settings_with_a_bad_name_are_refused(key):
    with pytest.raises(ValueError, match="invalid Yealink setting name"):
        yealink.files(make_config(extra={key: "1"}))


@pytest.mark.parametrize("name, sensitive", [
    ("805ec0a1b2c3.cfg", True), ("y000000000000.boot", False), ("y000000000066.cfg", False),
    ("805ec0a1b2c3.boot", False), ("directory.xml", False),
])
def test_only_the_mac_file_is_sensitive(name, sensitive):
    assert yealink.sensitive(name) is sensitive
    assert yealink.mac_from_path(name) == ("805ec0a1b2c3" if sensitive else None)


def test_directory_is_well_formed_xml_with_every_entry():
    entries = [DirectoryEntry("Ana Souza", "201"), DirectoryEntry(HOSTILE, "202"), DirectoryEntry("Zé & Cia", "0800")]
    root = ET.fromstring(yealink.directory(entries))
    assert root.tag == "YealinkIPPhoneBook"
    assert [(unit.get("Name"), unit.get("Phone1")) for unit in root.iter("Unit")] == [
        (entry.name, entry.number) for entry in entries]


def test_check_sync_notify_header():
    assert yealink.check_sync == {"Event": "check-sync"}
