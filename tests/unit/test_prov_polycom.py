"""Polycom provisioning: User-Agents, the files a phone asks for at boot, what they carry, and the phonebook."""
from collections import Counter
from xml.etree import ElementTree

import pytest

from provisioning.base import DirectoryEntry, Key, Line, PhoneConfig
from provisioning.vendors import by_name
from provisioning.vendors.polycom import polycom
from tests.golden import assert_golden

MAC = "0004f2e765da"
HOSTILE = 'Ana "<&>" ;x'


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


@pytest.mark.parametrize("model", ["VVX400", "SPIP335", "EdgeE450"])
def test_rendered_files_match_golden(model):
    config = make_config(model=model, firmware_url="https://pbx.example.com/firmware/polycom/sip.ld")

    for name, content in polycom.files(config).items():
        assert_golden(f"prov/polycom/{model.lower()}/{name}", content.decode())


@pytest.mark.parametrize(("user_agent", "model", "firmware", "mac"), [
    ("FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application", "VVX400", "4.1.4.7430", None),
    ("FileTransport PolycomVVX-VVX_101-UA/5.4.3.1014 Type/Application", "VVX101", "5.4.3.1014", None),
    ("FileTransport PolycomVVX-VVX_450-UA/5.9.1.0615 Type/Application", "VVX450", "5.9.1.0615", None),
    ("FileTransport PolycomSoundPointIP-SPIP_335-UA/3.2.1.0078", "SPIP335", "3.2.1.0078", None),
    ("FileTransport PolycomSoundPointIP-SPIP_450-UA/3.2.3.1734", "SPIP450", "3.2.3.1734", None),
    ("FileTransport PolycomSoundStationIP-SSIP_6000-UA/4.0.4.2906 Type/Application", "SSIP6000", "4.0.4.2906", None),
    ("FileTransport PolycomSoundStationIP-SSIP_5000-UA/4.0.3.7562 (SN:0004f2e765da) Type/Application",
     "SSIP5000", "4.0.3.7562", "0004f2e765da"),
    ("FileTransport PolyEdge-Edge_E450-UA/8.0.0.15602 Type/Application", "EdgeE450", "8.0.0.15602", None),
    ("FileTransport PolyCCX-CCX_500-UA/9.4.1.0508 (SN:64167f9f4c90) Type/Application",
     "CCX500", "9.4.1.0508", "64167f9f4c90"),
    ("FileTransport PolyCCX-CCX_600-UA/8.0.2.3267 (SN:482567b5313f) Type/Application",
     "CCX600", "8.0.2.3267", "482567b5313f"),
])
def test_captured_user_agents_identify_the_phone(user_agent, model, firmware, mac):
    identity = polycom.identify(user_agent)

    assert (identity.vendor, identity.model, identity.firmware, identity.mac) == ("polycom", model, firmware, mac)
    assert polycom.family_of(identity.model)


@pytest.mark.parametrize("user_agent", [
    "Yealink SIP-T46S 66.86.0.15 80:5e:c0:11:22:33",
    "Cisco-CP-7832-3PCC/11.0.1 (00562b043615)",
    "FileTransport PolycomVVX",
    "Mozilla/5.0 (X11; Linux x86_64)",
    "",
])
def test_other_user_agents_are_not_polycom(user_agent):
    assert polycom.identify(user_agent) is None


def test_vendor_is_registered():
    assert by_name("polycom") is polycom


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


def test_read_lines_gives_back_every_account():
    assert polycom.read_lines(polycom.files(make_config())) == [
        ("201", "pw-201-Kq9", "pbx.example.com", 5060), ("209", "pw-209-Zt4", "pbx.example.com", 5060)]


def test_hostile_values_stay_escaped():
    line = Line("201", 'p"w<&>', HOSTILE, "201")
    config = make_config(lines=(line,), keys=(Key("blf", "202", HOSTILE),), admin_password=HOSTILE,
                         extra={"voIpProt.SIP.useRFC2543hold": HOSTILE})

    values = user_params(config)

    assert values["reg.1.displayName"] == HOSTILE
    assert values["reg.1.auth.password"] == 'p"w<&>'
    assert values["attendant.resourceList.1.label"] == HOSTILE
    assert values["device.auth.localAdminPassword"] == HOSTILE
    assert values["voIpProt.SIP.useRFC2543hold"] == HOSTILE


def test_control_characters_no_xml_parser_accepts_are_dropped():
    values = user_params(make_config(lines=(Line("201", "pw", "Ana\x01\x1bSouza", "201"),)))

    assert values["reg.1.displayName"] == "AnaSouza"


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


@pytest.mark.parametrize(("language", "value"), [("pt_BR", "Portuguese_Brazil"), ("en", "English_United_States")])
def test_language_is_set(language, value):
    assert user_params(make_config(language=language))["lcl.ml.lang"] == value


def test_keys_render_as_busy_lamp_fields_after_the_accounts():
    values = user_params(make_config())

    assert values["attendant.resourceList.1.address"] == "202"
    assert values["attendant.resourceList.1.label"] == "Bruno"
    assert values["attendant.resourceList.2.address"] == "*97"


def test_firmware_path_only_when_firmware_url_is_set():
    without = ElementTree.fromstring(polycom.files(make_config(firmware_url=""))[f"{MAC}.cfg"])
    with_url = ElementTree.fromstring(polycom.files(make_config(firmware_url="http://fw/sip.ld"))[f"{MAC}.cfg"])

    assert "APP_FILE_PATH" not in without.attrib
    assert with_url.get("APP_FILE_PATH") == "http://fw/sip.ld"


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


@pytest.mark.parametrize("key", ['reg.1.address" x="1', "noDot", "1bad.name", "a.b c", "a.b\n"])
def test_extra_parameter_names_are_checked(key):
    with pytest.raises(ValueError, match="invalid Polycom setting name"):
        polycom.files(make_config(extra={key: "1"}))


@pytest.mark.parametrize(("filename", "sensitive"), [
    (f"{MAC}.cfg", True),
    (f"{MAC}-user.cfg", True),
    (f"{MAC.upper()}-directory.xml", True),
    ("common.cfg", False),
    ("000000000000.cfg", False),
    ("000000000000-directory.xml", False),
])
def test_only_per_phone_files_are_sensitive(filename, sensitive):
    assert polycom.sensitive(filename) is sensitive
    assert polycom.mac_from_path(filename) == (MAC if sensitive else None)


def test_common_file_carries_no_secret():
    config = make_config()
    common = polycom.files(config)["common.cfg"]

    for secret in [line.password for line in config.lines] + [config.admin_password, "tok-123"]:
        assert secret.encode() not in common


def test_directory_is_well_formed_and_lists_every_entry():
    entries = [DirectoryEntry("Ana Souza", "201"), DirectoryEntry(HOSTILE, "202"), DirectoryEntry("João", "*97")]

    items = ElementTree.fromstring(polycom.directory(entries)).findall("./item_list/item")

    assert [(item.findtext("fn"), item.findtext("ct")) for item in items] == [(e.name, e.number) for e in entries]


def test_unsupported_model_is_refused():
    with pytest.raises(ValueError, match="unsupported Polycom model"):
        polycom.files(make_config(model="T46S"))


def test_check_sync_sends_check_sync_event():
    assert polycom.check_sync == {"Event": "check-sync"}
