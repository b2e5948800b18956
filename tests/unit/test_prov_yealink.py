"""What only Yealink does: the boot file sequence, time-zone notation, line keys, resync modes, the phonebook.

The rest (User-Agents, accounts, escaping, secrets, golden files) is in test_prov_contract.py.
"""
import xml.etree.ElementTree as ET

import pytest

from provisioning.base import DirectoryEntry, Key, Line, PhoneConfig
from provisioning.vendors.yealink import parse_cfg, yealink


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


def test_sao_paulo_is_utc_minus_3_without_daylight_time():
    values = mac_file(make_config(timezone="America/Sao_Paulo"))
    assert values["local_time.time_zone"] == "-3"
    assert values["local_time.summer_time"] == "0"


def test_daylight_zone_gets_a_weekly_rule():
    values = mac_file(make_config(timezone="America/New_York"))
    assert (values["local_time.time_zone"], values["local_time.summer_time"]) == ("-5", "1")
    assert (values["local_time.start_time"], values["local_time.end_time"]) == ("3/2/7/2", "11/1/7/2")


def test_keys_follow_the_line_keys_as_blf_and_speed_dial():
    values = mac_file(make_config())
    assert [values[f"linekey.{n}.type"] for n in range(1, 5)] == ["15", "15", "16", "13"]
    assert (values["linekey.3.value"], values["linekey.3.label"]) == ("203", "Bruno")


def test_dect_base_has_no_line_keys():
    assert not [key for key in mac_file(make_config(model="W60B")) if key.startswith("linekey.")]


def test_phone_keeps_coming_back_with_a_random_nightly_window():
    values = mac_file(make_config(resync_interval_minutes=1440, resync_random_delay_seconds=600))
    assert values["static.auto_provision.server.url"] == "https://pbx.example.test/prov/tok123/"
    assert values["static.auto_provision.flexible.enable"] == "1"
    assert (values["static.auto_provision.flexible.begin_time"], values["static.auto_provision.flexible.end_time"]) \
        == ("02:00", "02:10")
    hourly = mac_file(make_config(resync_interval_minutes=60))
    assert hourly["static.auto_provision.repeat.enable"] == "1"
    assert hourly["static.auto_provision.repeat.minutes"] == "60"


def test_extra_setting_names_need_a_dot():
    with pytest.raises(ValueError, match="invalid Yealink setting name"):
        yealink.files(make_config(extra={"nodots": "1"}))


def test_the_mac_boot_file_we_do_not_serve_is_not_sensitive():
    # The phone asks for <mac>.boot first; we serve none, so the name is refused like any unknown common file.
    assert not yealink.sensitive("805ec0a1b2c3.boot")
    assert yealink.mac_from_path("805ec0a1b2c3.boot") is None


def test_directory_is_a_remote_phonebook_of_units():
    entries = [DirectoryEntry("Ana Souza", "201"), DirectoryEntry("Zé & Cia", "0800")]

    root = ET.fromstring(yealink.directory(entries))

    assert root.tag == "YealinkIPPhoneBook"
    assert [(unit.get("Name"), unit.get("Phone1")) for unit in root.iter("Unit")] == [
        (entry.name, entry.number) for entry in entries]
