"""What only Polycom does: the master file and its list, XML attributes, daylight time, polling, the directory.

The rest (User-Agents, accounts, escaping, secrets, golden files) is in test_prov_contract.py.
"""
from collections import Counter
from xml.etree import ElementTree

import pytest

from provisioning.base import DirectoryEntry, Key, Line, PhoneConfig
from provisioning.vendors.polycom import polycom

MAC = "0004f2e765da"


def make_config(**changes):
    """A two-line VVX 400 with a BLF and a speed dial; ``changes`` replace any field."""
    fields = {
        "mac": MAC,
        "model": "VVX400",
        "lines": (Line("201", "pw-201-Kq9", "Ana Souza", "201"), Line("209", "pw-209-Zt4", "Recepção", "209")),
        "sip_server": "pbx.example.com",
        "keys": (Key("blf", "202", "Bruno"), Key("speeddial", "*97", "Correio de voz")),
        "directory_url": "https://pbx.example.com/prov/tok-123/polycom/directory.xml",
        "provisioning_url": "https://pbx.example.com/prov/tok-123",
        "admin_password": "Adm-5x7Qp",
    }
    fields.update(changes)
    return PhoneConfig(**fields)


def params(content):
    """Return every ``name="value"`` of a Polycom config file, checking no parameter is set twice."""
    pairs = [item for element in ElementTree.fromstring(content).iter() for item in element.attrib.items()]
    repeated = [name for name, count in Counter(name for name, _ in pairs).items() if count > 1]
    assert not repeated, f"parameters set twice: {repeated}"
    return dict(pairs)


def user_params(config):
    """Return the parameters of ``config``'s per-phone file."""
    return params(polycom.files(config)[f"{config.mac}-user.cfg"])


def test_a_user_agent_cut_short_is_not_claimed():
    assert polycom.identify("FileTransport PolycomVVX") is None


def test_boot_sequence_is_master_then_its_config_files_in_order():
    files = polycom.files(make_config())
    master = ElementTree.fromstring(files[f"{MAC}.cfg"])

    assert list(files) == [f"{MAC}.cfg", f"{MAC}-user.cfg", "common.cfg"]
    assert master.tag == "APPLICATION"
    assert master.get("CONFIG_FILES").split(", ") == [
        f"https://pbx.example.com/prov/tok-123/{MAC}-user.cfg", "https://pbx.example.com/prov/tok-123/common.cfg"]


def test_without_provisioning_url_the_master_lists_plain_file_names():
    master = ElementTree.fromstring(polycom.files(make_config(provisioning_url=""))[f"{MAC}.cfg"])

    assert master.get("CONFIG_FILES") == f"{MAC}-user.cfg, common.cfg"


def test_default_master_lets_each_phone_ask_for_its_own_file():
    files = polycom.files(make_config(mac="000000000000", lines=(), admin_password="", provisioning_url="http://pbx/prov"))
    master = ElementTree.fromstring(files["000000000000.cfg"])

    assert master.get("CONFIG_FILES") == "http://pbx/prov/[PHONE_MAC_ADDRESS]-user.cfg, http://pbx/prov/common.cfg"
    assert not polycom.sensitive("000000000000.cfg")


def test_sao_paulo_is_utc_minus_three_without_daylight_time():
    values = user_params(make_config(timezone="America/Sao_Paulo"))

    assert values["tcpIpApp.sntp.gmtOffset"] == "-10800"
    assert values["tcpIpApp.sntp.daylightSavings.enable"] == "0"
    assert not [name for name in values if ".start." in name or ".stop." in name]
    assert values["tcpIpApp.sntp.address"] == "pool.ntp.org"


def test_new_york_daylight_time_is_second_sunday_of_march_to_first_of_november():
    values = user_params(make_config(timezone="America/New_York"))

    assert values["tcpIpApp.sntp.gmtOffset"] == "-18000"
    assert values["tcpIpApp.sntp.daylightSavings.enable"] == "1"
    assert [values[f"tcpIpApp.sntp.daylightSavings.start.{p}"] for p in ("month", "date", "dayOfWeek", "time")] == [
        "3", "8", "1", "2"]
    assert [values[f"tcpIpApp.sntp.daylightSavings.stop.{p}"] for p in ("month", "date", "dayOfWeek", "time")] == [
        "11", "1", "1", "2"]


def test_keys_render_as_busy_lamp_fields_after_the_accounts():
    values = user_params(make_config())

    assert values["attendant.resourceList.1.address"] == "202"
    assert values["attendant.resourceList.1.label"] == "Bruno"
    assert values["attendant.resourceList.2.address"] == "*97"


def test_phone_keeps_coming_back_to_its_provisioning_url_and_polls_at_random():
    values = user_params(make_config(resync_interval_minutes=720))

    assert values["device.prov.serverName"] == "https://pbx.example.com/prov/tok-123"
    assert values["device.prov.serverType"] == "HTTPS"
    assert values["device.dhcp.bootSrvUseOpt"] == "Static"
    assert (values["prov.polling.enabled"], values["prov.polling.mode"]) == ("1", "random")
    assert values["prov.polling.period"] == "43200"


def test_no_provisioning_url_and_no_admin_password_leave_the_phone_alone():
    values = user_params(make_config(provisioning_url="", admin_password=""))

    assert not [name for name in values if name.startswith(("device.prov.", "device.dhcp.", "device.auth."))]


def test_extra_parameter_replaces_ours_instead_of_repeating_it():
    values = user_params(make_config(extra={"lcl.ml.lang": "English_United_Kingdom"}))

    assert values["lcl.ml.lang"] == "English_United_Kingdom"


@pytest.mark.parametrize("key", ["noDot", "1bad.name"])
def test_extra_parameter_names_must_be_dotted_words(key):
    with pytest.raises(ValueError, match="invalid Polycom setting name"):
        polycom.files(make_config(extra={key: "1"}))


@pytest.mark.parametrize(("filename", "sensitive"), [
    (f"{MAC.upper()}-directory.xml", True),  # the phone asks for its directory by its MAC, any case
    ("000000000000.cfg", False),  # the default master, for phones not known yet
    ("000000000000-directory.xml", False),
])
def test_files_the_phone_names_by_mac_are_sensitive_except_the_default_ones(filename, sensitive):
    assert polycom.sensitive(filename) is sensitive
    assert polycom.mac_from_path(filename) == (MAC if sensitive else None)


def test_directory_is_a_contact_directory_of_items():
    entries = [DirectoryEntry("Ana Souza", "201"), DirectoryEntry("João", "*97")]

    items = ElementTree.fromstring(polycom.directory(entries)).findall("./item_list/item")

    assert [(item.findtext("fn"), item.findtext("ct")) for item in items] == [(e.name, e.number) for e in entries]
