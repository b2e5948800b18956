"""What only Cisco does: profile rules, flat-profile parameters, MPP/SPA differences, DST rules, resync events.

The rest (User-Agents, accounts, escaping, secrets, golden files) is in test_prov_contract.py.
"""
from xml.etree import ElementTree

import pytest

from provisioning.base import DirectoryEntry, Key, Line, PhoneConfig
from provisioning.vendors.cisco import cisco

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


def test_enterprise_firmware_user_agents_are_not_claimed():
    # Without "-3PCC" the phone runs Cisco's enterprise (CUCM) firmware, which reads none of these files.
    assert cisco.identify("Cisco-CP-7832/11.0.1") is None


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


def test_key_fields_lose_the_separators_of_extended_function():
    values = phone_params(make_config(keys=(Key("blf", "20;2=", HOSTILE),)))

    assert values["Short_Name_3_"] == HOSTILE  # the label as it is
    assert values["Extended_Function_3_"] == 'fnc=blf+sd+cp;sub=202@$PROXY;nme=Ana "<&>" x'


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


def test_directory_url_is_the_xml_directory_service():
    values = phone_params(make_config())

    assert values["XML_Directory_Service_URL"] == "https://pbx.example.com/prov/tok-123/cisco/directory.xml"
    assert "XML_Directory_Service_URL" not in phone_params(make_config(directory_url=""))


def test_extra_parameters_come_last_so_they_win():
    config = make_config(extra={"Proxy_1_": "other.example.com:5070"})
    root = ElementTree.fromstring(cisco.files(config)[f"{MAC}.xml"])

    assert root[-1].tag == "Proxy_1_" and root[-1].text == "other.example.com:5070"


@pytest.mark.parametrize("key", ["1abc", "a/b"])
def test_extra_parameter_names_must_be_element_names(key):
    with pytest.raises(ValueError, match="invalid Cisco setting name"):
        cisco.files(make_config(extra={key: "1"}))


def test_the_per_mac_file_is_sensitive_whatever_the_case_of_its_mac():
    assert cisco.sensitive(MAC.upper() + ".xml")
    assert cisco.mac_from_path(MAC.upper() + ".xml") == MAC


def test_directory_is_a_cisco_ip_phone_directory():
    entries = [DirectoryEntry("Ana Souza", "201"), DirectoryEntry("João", "*97")]

    root = ElementTree.fromstring(cisco.directory(entries))

    assert root.tag == "CiscoIPPhoneDirectory"
    assert [(e.findtext("Name"), e.findtext("Telephone")) for e in root.iter("DirectoryEntry")] == [
        (e.name, e.number) for e in entries]


@pytest.mark.parametrize("model", ["CP-8841", "8841"])
def test_models_without_the_3pcc_suffix_are_refused(model):
    with pytest.raises(ValueError, match="unsupported Cisco model"):
        cisco.files(make_config(model=model))


def test_check_sync_sends_resync_event():
    assert cisco.check_sync == {"Event": "resync"}
