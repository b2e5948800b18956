"""Cisco MPP and SPA provisioning: User-Agents, the files a phone asks for at boot, what they carry, the phonebook."""
from xml.etree import ElementTree

import pytest

from provisioning.base import DirectoryEntry, Key, Line, PhoneConfig
from provisioning.vendors import by_name
from provisioning.vendors.cisco import cisco
from tests.golden import assert_golden

MAC = "00562b043615"
HOSTILE = 'Ana "<&>" ;x'


def make_config(**changes):
    """A two-line 8841 with a BLF and a speed dial; ``changes`` replace any field."""
    fields = {
        "mac": MAC,
        "model": "CP-8841-3PCC",
        "lines": (Line("201", "pw-201-Kq9", "Ana Souza", "201"), Line("209", "pw-209-Zt4", "Recepção", "209")),
        "sip_server": "pbx.example.com",
        "keys": (Key("blf", "202", "Bruno"), Key("speeddial", "*97", "Correio de voz")),
        "directory_url": "https://pbx.example.com/prov/tok-123/cisco/directory.xml",
        "provisioning_url": "https://pbx.example.com/prov/tok-123",
        "admin_password": "Adm-5x7Qp",
    }
    fields.update(changes)
    return PhoneConfig(**fields)


def params(content):
    """Return a flat profile as ``{parameter: value}``; a repeated parameter keeps its last value, as on the phone."""
    return {element.tag: element.text or "" for element in ElementTree.fromstring(content)}


def phone_params(config):
    """Return the parameters of ``config``'s per-MAC file."""
    return params(cisco.files(config)[f"{config.mac}.xml"])


@pytest.mark.parametrize("model", ["CP-8841-3PCC", "CP-7832-3PCC", "SPA504G", "SPA525G2"])
def test_rendered_files_match_golden(model):
    config = make_config(model=model, firmware_url="https://pbx.example.com/firmware/cisco/sip88xx.12-0-7.loads")
    folder = model.removeprefix("CP-").removesuffix("-3PCC").lower()

    for name, content in cisco.files(config).items():
        assert_golden(f"prov/cisco/{folder}/{name}", content.decode())


@pytest.mark.parametrize(("user_agent", "model", "firmware", "mac"), [
    ("Cisco-CP-7832-3PCC/11.0.1 (00562b043615)", "CP-7832-3PCC", "11.0.1", "00562b043615"),
    ("Cisco-CP-8841-3PCC/11.0 (00562b043615)", "CP-8841-3PCC", "11.0", "00562b043615"),
    ("Cisco-CP-6841-3PCC/12.0.1 (c4c603731f67)", "CP-6841-3PCC", "12.0.1", "c4c603731f67"),
    ("Cisco-CP-8851-3PCC/11.3.7_MPP_0001", "CP-8851-3PCC", "11.3.7_MPP_0001", None),
    ("Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)", "SPA508G", "7.4.4", "0002fdff2103"),
    ("Cisco/SPA508G-7.4.8a (0002FDFF2103)(CBT141400UK)", "SPA508G", "7.4.8a", "0002fdff2103"),
    ("Cisco/SPA501G-7.4.4 (8843E157DDCC)(CBT141100HR)", "SPA501G", "7.4.4", "8843e157ddcc"),
    ("Cisco/SPA525G-7.4.7 (CBT141900G7)", "SPA525G", "7.4.7", None),
])
def test_captured_user_agents_identify_the_phone(user_agent, model, firmware, mac):
    identity = cisco.identify(user_agent)

    assert (identity.vendor, identity.model, identity.firmware, identity.mac) == ("cisco", model, firmware, mac)
    assert cisco.family_of(identity.model) in ("mpp", "spa")


@pytest.mark.parametrize("user_agent", [
    "FileTransport PolycomVVX-VVX_400-UA/4.1.4.7430 Type/Application",
    "Yealink SIP-T46S 66.86.0.15 80:5e:c0:11:22:33",
    "Linksys/SPA-942-6.1.5(a) (88019FA42805)",
    "Cisco-CP-7832/11.0.1",
    "",
])
def test_other_user_agents_are_not_cisco(user_agent):
    assert cisco.identify(user_agent) is None


def test_vendor_is_registered():
    assert by_name("cisco") is cisco


@pytest.mark.parametrize(("model", "common"), [("CP-8841-3PCC", "8841-3PCC.xml"), ("SPA504G", "spa504G.cfg")])
def test_boot_sequence_is_common_file_then_own_file(model, common):
    files = cisco.files(make_config(model=model))

    assert list(files) == [common, f"{MAC}.xml"]
    for content in files.values():
        values = params(content)
        assert values["Profile_Rule"] == f"https://pbx.example.com/prov/tok-123/{common}"
        assert values["Profile_Rule_B"] == "https://pbx.example.com/prov/tok-123/$MA.xml"


def test_without_provisioning_url_rules_stay_on_the_dhcp_server():
    values = phone_params(make_config(provisioning_url=""))

    assert (values["Profile_Rule"], values["Profile_Rule_B"]) == ("/8841-3PCC.xml", "/$MA.xml")


@pytest.mark.parametrize("model", ["CP-8841-3PCC", "SPA504G"])
def test_read_lines_gives_back_every_account(model):
    assert cisco.read_lines(cisco.files(make_config(model=model))) == [
        ("201", "pw-201-Kq9", "pbx.example.com", 5060), ("209", "pw-209-Zt4", "pbx.example.com", 5060)]


def test_hostile_values_stay_escaped():
    line = Line("201", 'p"w<&>', HOSTILE, "201")
    config = make_config(lines=(line,), keys=(Key("blf", "202", HOSTILE),), admin_password=HOSTILE,
                         extra={"Text_Logo": HOSTILE})

    values = phone_params(config)

    assert values["Display_Name_1_"] == values["Station_Name"] == HOSTILE
    assert values["Password_1_"] == 'p"w<&>'
    assert values["Short_Name_2_"] == HOSTILE
    assert values["Admin_Password"] == HOSTILE
    assert values["Text_Logo"] == HOSTILE
    assert values["Extended_Function_2_"] == 'fnc=blf+sd+cp;sub=202@$PROXY;nme=Ana "<&>" x'


def test_control_characters_no_xml_parser_accepts_are_dropped():
    values = phone_params(make_config(lines=(Line("201", "pw", "Ana\x01\x1bSouza", "201"),)))

    assert values["Display_Name_1_"] == "AnaSouza"


def test_sao_paulo_is_gmt_minus_three_without_daylight_time():
    values = phone_params(make_config(timezone="America/Sao_Paulo"))

    assert values["Time_Zone"] == "GMT-03:00"
    assert values["Daylight_Saving_Time_Enable"] == "No"
    assert "Daylight_Saving_Time_Rule" not in values
    assert values["Primary_NTP_Server"] == "pool.ntp.org"


def test_new_york_daylight_time_rule():
    values = phone_params(make_config(timezone="America/New_York"))

    assert values["Time_Zone"] == "GMT-05:00"
    assert values["Daylight_Saving_Time_Rule"] == "start=3/8/7/2;end=11/1/7/2;save=1"


def test_brazilian_portuguese_gets_24_hour_clock_and_day_first_dates():
    assert (phone_params(make_config(language="pt_BR"))["Time_Format"]) == "24hr"
    assert "Time_Format" not in phone_params(make_config(language="en"))


def test_keys_render_as_busy_lamp_field_and_speed_dial_after_the_lines():
    values = phone_params(make_config())

    assert [values[f"Extension_{n}_"] for n in (1, 2, 3, 4)] == ["1", "2", "Disabled", "Disabled"]
    assert values["Extended_Function_3_"] == "fnc=blf+sd+cp;sub=202@$PROXY;nme=Bruno"
    assert values["Extended_Function_4_"] == "fnc=sd;ext=*97@$PROXY;nme=Correio de voz"


def test_firmware_rule_only_when_firmware_url_is_set():
    assert "Upgrade_Rule" not in phone_params(make_config(firmware_url=""))
    assert phone_params(make_config(firmware_url="http://fw/sip88xx.loads"))["Upgrade_Rule"] == "http://fw/sip88xx.loads"


@pytest.mark.parametrize(("model", "delay", "password"), [
    ("CP-8841-3PCC", "600", "Admin_Password"), ("SPA504G", "30", "Admin_Passwd")])
def test_family_differences(model, delay, password):
    values = phone_params(make_config(model=model))

    assert values["Resync_Random_Delay"] == delay
    assert values[password] == "Adm-5x7Qp"


def test_phone_resyncs_periodically_with_a_random_delay_and_on_sip_notify():
    values = phone_params(make_config(resync_interval_minutes=720, resync_random_delay_seconds=300))

    assert values["Resync_Periodic"] == "43200+300"
    assert values["Resync_From_SIP"] == "Yes"
    assert values["Resync_On_Reset"] == "Yes"


def test_no_admin_password_leaves_the_phone_password_alone():
    values = phone_params(make_config(admin_password=""))

    assert "Admin_Password" not in values and "Admin_Passwd" not in values


def test_directory_url_is_the_xml_directory_service():
    values = phone_params(make_config())

    assert values["XML_Directory_Service_URL"] == "https://pbx.example.com/prov/tok-123/cisco/directory.xml"
    assert "XML_Directory_Service_URL" not in phone_params(make_config(directory_url=""))


def test_extra_parameters_come_last_so_they_win():
    config = make_config(extra={"Proxy_1_": "other.example.com:5070"})
    root = ElementTree.fromstring(cisco.files(config)[f"{MAC}.xml"])

    assert root[-1].tag == "Proxy_1_" and root[-1].text == "other.example.com:5070"


@pytest.mark.parametrize("key", ["Bad Name", "<x>", "1abc", "a/b", "x\n"])
def test_extra_parameter_names_are_checked(key):
    with pytest.raises(ValueError, match="invalid Cisco setting name"):
        cisco.files(make_config(extra={key: "1"}))


@pytest.mark.parametrize(("filename", "sensitive"), [
    (f"{MAC}.xml", True), (MAC.upper() + ".xml", True), ("8841-3PCC.xml", False), ("spa504G.cfg", False)])
def test_only_the_per_mac_file_is_sensitive(filename, sensitive):
    assert cisco.sensitive(filename) is sensitive
    assert cisco.mac_from_path(filename) == (MAC if sensitive else None)


def test_common_file_carries_no_secret():
    config = make_config()
    common = cisco.files(config)["8841-3PCC.xml"]

    for secret in [line.password for line in config.lines] + [config.admin_password]:
        assert secret.encode() not in common


def test_directory_is_well_formed_and_lists_every_entry():
    entries = [DirectoryEntry("Ana Souza", "201"), DirectoryEntry(HOSTILE, "202"), DirectoryEntry("João", "*97")]

    root = ElementTree.fromstring(cisco.directory(entries))

    assert root.tag == "CiscoIPPhoneDirectory"
    assert [(e.findtext("Name"), e.findtext("Telephone")) for e in root.iter("DirectoryEntry")] == [
        (e.name, e.number) for e in entries]


@pytest.mark.parametrize("model", ["CP-8841", "8841", "SPA-942", "T46S"])
def test_unsupported_model_is_refused(model):
    with pytest.raises(ValueError, match="unsupported Cisco model"):
        cisco.files(make_config(model=model))


def test_check_sync_sends_resync_event():
    assert cisco.check_sync == {"Event": "resync"}
