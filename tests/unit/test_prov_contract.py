"""The contract every phone vendor module keeps, parametrized over ``vendors.load_all()``.

A vendor module that registers itself gets every test here without writing one: each of its captured
User-Agents (``Vendor.examples``) is identified and claimed by no other vendor; a phone of each of its template
families is rendered and read back with its own parsers (``read_lines``, ``read_settings``); hostile values add
no setting; secrets stay in its per-MAC files; its files are kept as golden files under ``golden/prov/<vendor>/``.
What only one vendor does (boot order, key layout, time-zone notation) is tested in ``test_prov_<vendor>.py``.
"""
import dataclasses
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from provisioning import vendors
from provisioning.base import DirectoryEntry, Identity, Key, Line, PhoneConfig
from tests.golden import assert_golden

VENDORS = list(vendors.load_all().values())
#: A phone with two accounts, a BLF, a speed dial, a phonebook, a provisioning URL with its token and an admin
#: password; ``phone()`` gives it a model and MAC, and a setting in the vendor's syntax.
SAMPLE = PhoneConfig(
    mac="",
    model="",
    lines=(Line("201", "pw-201-Kq9", "Ana Souza", "201"), Line("209", "pw-209-Zt4", "Recepção", "209")),
    sip_server="pbx.example.com",
    keys=(Key("blf", "202", "Bruno"), Key("speeddial", "*97", "Correio de voz")),
    directory_url="https://pbx.example.com/prov/tok-123/directory.xml",
    provisioning_url="https://pbx.example.com/prov/tok-123",
    admin_password="Adm-5x7Qp",
)
#: Quotes, markup, an XML comment and CDATA end, and the comment, separator and reset marks of text formats.
HOSTILE = 'Ana "<&>" ;x # =\\ ]]> <!-- \' %NULL%'
#: A MAC for a family whose captured User-Agents carry none.
SPARE_MAC = "00a1b2c3d4e5"
#: User-Agents of no phone: browsers, curl, softphones (Zoiper, Linphone: FreePBX framework's example User-Agents).
NOT_PHONES = ["", "Mozilla/5.0", "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", "curl/8.5.0", "Zoiper rv2.10.8.2",
              "LinphoneiOS/4.3.0 (Bob's iPhone) LinphoneSDK/4.4.0"]
#: Setting names no vendor takes: they could end a line, a tag or an attribute, or start a comment. Each comes
#: plain and dotted, so vendors that want dots (Yealink, Polycom) and vendors that refuse them (Snom) both see it.
BAD_SETTING_NAMES = ["", *(name for plain in ("a b", "a\n", "<a>", 'a" b="1', "a=b", "#a", "a;b")
                          for name in (plain, f"x.{plain}"))]


def families(vendor):
    """Return ``vendor``'s template families, in the order of its User-Agent patterns."""
    return list(dict.fromkeys(family for _pattern, family in vendor.user_agents))


def phone(vendor, family, **changes):
    """Return SAMPLE as the first captured phone of ``family`` (preferring one whose User-Agent gave its MAC)."""
    examples = [example for example in vendor.examples if example.family == family]
    example = next((example for example in examples if example.mac), examples[0])
    config = dataclasses.replace(SAMPLE, model=example.model, mac=example.mac or SPARE_MAC,
                                 extra={vendor.extra_example: "1"})
    return dataclasses.replace(config, **changes)


def render(vendor, config):
    """Return ``(config, files)``; a phone with one port (an ATA) refuses a second account, so it gets one."""
    try:
        return config, vendor.files(config)
    except ValueError:
        if len(config.lines) < 2:
            raise
        config = dataclasses.replace(config, lines=config.lines[:1])
        return config, vendor.files(config)


def settings(vendor, files):
    """Return every ``(file, setting, value)`` of ``files`` as the vendor reads them back."""
    return [(name, setting, value)
            for name, body in files.items() for setting, value in vendor.read_settings(name, body)]


def setting_names(vendor, files):
    """Return how many times each ``(file, setting)`` occurs in ``files``."""
    return Counter((name, setting) for name, setting, _value in settings(vendor, files))


def by_vendor():
    """Parametrize a test over every registered vendor."""
    return pytest.mark.parametrize("vendor", VENDORS, ids=lambda vendor: vendor.name)


def by_family():
    """Parametrize a test over every template family of every registered vendor."""
    return pytest.mark.parametrize(("vendor", "family"), [pytest.param(vendor, family, id=f"{vendor.name}-{family}")
                                                          for vendor in VENDORS for family in families(vendor)])


# -- User-Agents --------------------------------------------------------------------------------------------------


@by_vendor()
def test_every_family_has_a_captured_user_agent(vendor):
    assert vendor.examples, "add the vendor's captured User-Agents to Vendor.examples"
    assert {example.family for example in vendor.examples} == set(families(vendor))


@pytest.mark.parametrize(("vendor", "example"), [
    pytest.param(vendor, example, id=f"{vendor.name}-{example.model}-{example.firmware}")
    for vendor in VENDORS for example in vendor.examples])
def test_user_agent_gives_model_firmware_and_mac(vendor, example):
    identity = Identity(vendor.name, example.model, example.firmware, example.mac)

    assert vendor.identify(example.user_agent) == identity
    assert vendor.family_of(example.model) == example.family
    assert vendors.identify(example.user_agent) == (vendor, identity)  # the registry finds it too
    assert vendors.by_name(vendor.name) is vendor


@by_vendor()
def test_no_vendor_claims_another_vendors_phones(vendor):
    others = [ua for other in VENDORS if other is not vendor for ua in (
        *(example.user_agent for example in other.examples), *(ua for ua, _model in other.unsupported_examples))]

    assert [ua for ua in others + NOT_PHONES if vendor.identify(ua) is not None] == []


@pytest.mark.parametrize(("vendor", "user_agent", "model"), [
    pytest.param(vendor, user_agent, model, id=f"{vendor.name}-{model}")
    for vendor in VENDORS for user_agent, model in vendor.unsupported_examples])
def test_phones_we_do_not_provision_are_neither_claimed_nor_rendered(vendor, user_agent, model):
    assert vendor.identify(user_agent) is None
    with pytest.raises(ValueError):
        vendor.family_of(model)
    with pytest.raises(ValueError):
        vendor.files(phone(vendor, families(vendor)[0], model=model))


@by_vendor()
def test_unsupported_model_is_refused(vendor):
    models = ["", "X", *(example.model for other in VENDORS if other is not vendor for example in other.examples)]

    for model in models:
        with pytest.raises(ValueError):
            vendor.family_of(model)
        with pytest.raises(ValueError):
            vendor.files(phone(vendor, families(vendor)[0], model=model))


# -- what the files carry -----------------------------------------------------------------------------------------


@by_family()
def test_read_lines_gives_back_every_account(vendor, family):
    config, files = render(vendor, phone(vendor, family, sip_port=5070))

    assert vendor.read_lines(files) == [(line.username, line.password, "pbx.example.com", 5070)
                                        for line in config.lines]


@by_family()
def test_hostile_values_add_no_setting_and_read_back_unchanged(vendor, family):
    plain_config, plain = render(vendor, phone(vendor, family))
    name, password, admin, extra, label = (f"{field} {HOSTILE}" for field in ("name", "pw", "adm", "extra", "key"))
    config = dataclasses.replace(
        plain_config, lines=(Line("201", password, name, "201"), *plain_config.lines[1:]),
        keys=(Key("blf", "202", label), Key("speeddial", "*97", label)), admin_password=admin,
        extra={vendor.extra_example: extra})

    files = vendor.files(config)

    assert setting_names(vendor, files) == setting_names(vendor, plain)
    values = [value for _name, _setting, value in settings(vendor, files)]
    has_keys = [value for _name, _setting, value in settings(vendor, plain) if plain_config.keys[0].label in value]
    for text in (name, admin, extra, *([label] if has_keys else [])):  # a DECT base or an ATA shows no keys
        assert [value for value in values if text in value], f"{text!r} not read back"
    assert vendor.read_lines(files)[0][:2] == ("201", password)


@by_family()
def test_line_breaks_in_values_start_no_setting(vendor, family):
    plain_config, plain = render(vendor, phone(vendor, family))
    injected = "{}\r\nstatic.firmware.url = http://evil.example\n<P192>evil</P192>\r".format
    config = dataclasses.replace(
        plain_config,
        lines=tuple(dataclasses.replace(line, display_name=injected("name")) for line in plain_config.lines),
        keys=tuple(dataclasses.replace(key, label=injected("key")) for key in plain_config.keys),
        admin_password=injected("adm"), extra={vendor.extra_example: injected("extra")})

    files = vendor.files(config)

    assert setting_names(vendor, files) == setting_names(vendor, plain)
    # Each value is still there, whole: its line breaks kept as they are or made spaces.
    values = [" ".join(value.split()) for _name, _setting, value in settings(vendor, files)]
    for field in ("name", "adm", "extra"):
        assert [value for value in values if " ".join(injected(field).split()) in value], field


@by_family()
def test_control_characters_no_xml_parser_accepts_are_dropped(vendor, family):
    plain_config, plain = render(vendor, phone(vendor, family))
    config = dataclasses.replace(
        plain_config, lines=(dataclasses.replace(plain_config.lines[0], display_name="Ana\x01\x1bSouza\x0b"),
                             *plain_config.lines[1:]))

    files = vendor.files(config)

    # XML files drop them (or no parser would read the file); a text format may keep them as they are.
    assert setting_names(vendor, files) == setting_names(vendor, plain)
    values = [value for _name, _setting, value in settings(vendor, files)]
    assert "AnaSouza" in [value.translate(dict.fromkeys((1, 0x1b, 0x0b))) for value in values]


@by_family()
def test_only_per_mac_files_carry_secrets(vendor, family):
    config, files = render(vendor, phone(vendor, family, firmware_url="https://fw.example.com/images/phone-7.bin"))
    secrets = [line.password.encode() for line in config.lines] + [config.admin_password.encode()]
    server = config.provisioning_url.partition("://")[2]  # pbx.example.com/prov/tok-123

    own = [name for name in files if vendor.sensitive(name)]

    assert own, "a phone's accounts must come in a file of its own"
    for name, body in files.items():
        assert vendor.sensitive(name) == (vendor.mac_from_path(name) == config.mac), name
        if name in own:
            continue
        assert [secret for secret in secrets if secret in body] == [], f"{name} carries a secret"
        # The token only as the address the phone comes back to (Cisco Profile_Rule, Grandstream P237): a common
        # file rendered for a device is served only under its token. Never the phonebook or anything else.
        pointers = [value for setting, value in vendor.read_settings(name, body) if "tok-123" in value]
        assert [value for value in pointers if not re.fullmatch(rf"(https?://)?{re.escape(server)}(/[^/]*)?", value)
                or value.endswith("/directory.xml")] == [], name
        assert body.count(b"tok-123") == sum(value.count("tok-123") for value in pointers), name
    assert [secret for secret in secrets if secret not in b"".join(files[name] for name in own)] == []
    for phonebook in ("directory.xml", "phonebook.xml"):
        assert not vendor.sensitive(phonebook) and vendor.mac_from_path(phonebook) is None


@by_family()
def test_admin_password_only_when_set(vendor, family):
    _config, without = render(vendor, phone(vendor, family, admin_password=""))
    _config, with_password = render(vendor, phone(vendor, family))

    added = setting_names(vendor, with_password) - setting_names(vendor, without)

    assert not setting_names(vendor, without) - setting_names(vendor, with_password)  # the password only adds
    assert [value for name, setting, value in settings(vendor, with_password)
            if (name, setting) in added and SAMPLE.admin_password in value]


@by_family()
def test_a_phone_nobody_assigned_still_gets_common_files(vendor, family):
    # What phones.common_config renders for a request without the token: no account, password, token or MAC.
    config = PhoneConfig(mac="000000000000", model=phone(vendor, family).model, lines=(), sip_server="",
                         provisioning_url="https://pbx.example.com/prov")

    files = vendor.files(config)

    assert [name for name in files if not vendor.sensitive(name)]
    for name, body in files.items():
        vendor.read_settings(name, body)


@by_family()
def test_firmware_url_only_when_set(vendor, family):
    url = "https://fw.example.com/images/phone-7.bin"
    _config, without = render(vendor, phone(vendor, family, firmware_url=""))
    _config, with_url = render(vendor, phone(vendor, family, firmware_url=url))

    added = setting_names(vendor, with_url) - setting_names(vendor, without)

    assert not setting_names(vendor, without) - setting_names(vendor, with_url)  # the URL only adds settings
    assert b"fw.example.com" not in b"".join(without.values())
    assert [value for name, setting, value in settings(vendor, with_url)
            if (name, setting) in added and "fw.example.com/images" in value]


@by_vendor()
def test_language_is_portuguese_or_english(vendor):
    family = vendor.family_of(vendor.examples[0].model)  # the reference phone, with a display

    rendered = {language: settings(vendor, render(vendor, phone(vendor, family, language=language))[1])
                for language in ("pt_BR", "en")}

    assert rendered["pt_BR"] != rendered["en"]
    for language, value in vendor.languages.items():
        assert value in [value for _name, _setting, value in rendered[language]], language


@by_vendor()
def test_check_sync_is_one_event_header(vendor):
    event = vendor.check_sync["Event"]

    assert list(vendor.check_sync) == ["Event"]
    assert event.split(";")[0] in ("check-sync", "resync")  # the event packages phones act on (notes §A.1d)
    assert "\r" not in event and "\n" not in event


@pytest.mark.parametrize("name", BAD_SETTING_NAMES)
@by_vendor()
def test_extra_setting_names_are_checked(vendor, name):
    with pytest.raises(ValueError):
        vendor.files(phone(vendor, families(vendor)[0], extra={name: "1"}))


@by_vendor()
def test_directory_is_well_formed_and_lists_every_entry(vendor):
    entries = [DirectoryEntry("Ana Souza", "201"), DirectoryEntry(HOSTILE, "202"), DirectoryEntry("Zé & Cia", "0800"),
               DirectoryEntry("Ana\x01\x1bLima", "*97")]
    names, numbers = ["Ana Souza", HOSTILE, "Zé & Cia", "AnaLima"], ["201", "202", "0800", "*97"]

    values = [value for _setting, value in vendor.read_settings("directory.xml", vendor.directory(entries))]

    assert [value for value in values if value in names] == names
    assert [value for value in values if value in numbers] == numbers


# -- golden files -------------------------------------------------------------------------------------------------

_TEST = {"sip_server": "pbx.example.test", "provisioning_url": "https://pbx.example.test/prov/tok123/",
         "lines": (Line("201", "pw-201-Zq9", "Ana Souza", "201"), Line("202", "pw-202-Xk4", "Recepção", "202")),
         "keys": (Key("blf", "203", "Bruno"), Key("speeddial", "*97", "Correio")), "admin_password": "adm-Rt5"}
_TOK = {"directory_url": "https://pbx.example.com/prov/tok/directory.xml",
        "provisioning_url": "https://pbx.example.com/prov/tok", "admin_password": "Adm1nPass",
        "lines": (Line("201", "s3cr3t-201", 'Ana "<&>" ;x', "201"), Line("202", "s3cr3t-202", "Bruno", "202")),
        "keys": (Key("blf", "203", 'Ana "<&>" ;x'), Key("speeddial", "*97", "Correio de voz"))}
#: The golden phones of the first six vendors, ``{vendor: [(folder, model, mac, settings)]}``, with the settings
#: (over SAMPLE) their golden files were first rendered with. A vendor not listed here gets ``phone()`` of each
#: family, in ``golden/prov/<vendor>/<family>/``: run ``CENTRALINA_REGEN_GOLDEN=1 pytest tests/unit`` once.
GOLDEN_PHONES = {
    "yealink": [(family, model, "805ec0a1b2c3", {
        **_TEST, "directory_url": "https://pbx.example.test/prov/tok123/directory.xml",
        "firmware_url": f"https://pbx.example.test/fw/{model}.rom", "extra": {"features.dnd.enable": "1"}})
        for family, model in (("t3x", "T31G"), ("t4xs", "T46S"), ("t4xu", "T46U"), ("t5x", "T54W"), ("w60b", "W60B"))],
    "fanvil": [(family, model, "0c383e07e16c", {
        **_TEST, "directory_url": "https://pbx.example.test/prov/tok123/directory.xml?a=1&b=2",
        "firmware_url": f"https://pbx.example.test/fw/{model}.z", "extra": {"phone.display.LCDTitle": "Centralina"}})
        for family, model in (("xu", "X4U"), ("x210", "X210"))],
    "grandstream": [(family, model, mac, {**_TOK, "extra": {"P1376": "1 & <2>"}, "lines": _TOK["lines"][:lines]})
                    for family, model, mac, lines in (("grp26xx", "GRP2614", "c074ad0b63ee", 2),
                                                      ("gxp21xx", "GXP2135", "000b828aa872", 2),
                                                      ("gxp16xx", "GXP1628", "c074ad2bd859", 2),
                                                      ("ht80x", "HT801", "c074ad273a10", 1))],
    "snom": [(family, model, mac, {**_TOK, "extra": {"dim_timer": "20 & <x>"}})
             for family, model, mac in (("d7xx", "D785", "000413922d24"), ("d3xx", "D385", "000413aabbcc"),
                                        ("7xx", "710", "000413741767"))],
    "polycom": [(model.lower(), model, "0004f2e765da", {
        "directory_url": "https://pbx.example.com/prov/tok-123/polycom/directory.xml",
        "firmware_url": "https://pbx.example.com/firmware/polycom/sip.ld"})
        for model in ("VVX400", "SPIP335", "EdgeE450")],
    "cisco": [(folder, model, "00562b043615", {
        "directory_url": "https://pbx.example.com/prov/tok-123/cisco/directory.xml",
        "firmware_url": "https://pbx.example.com/firmware/cisco/sip88xx.12-0-7.loads"})
        for folder, model in (("8841", "CP-8841-3PCC"), ("7832", "CP-7832-3PCC"), ("spa504g", "SPA504G"),
                              ("spa525g2", "SPA525G2"))],
}


def golden_phones(vendor):
    """Return ``[(folder, config)]``: the phones whose files are kept under ``golden/prov/<vendor>/<folder>/``."""
    if vendor.name in GOLDEN_PHONES:
        return [(folder, dataclasses.replace(SAMPLE, model=model, mac=mac, **changes))
                for folder, model, mac, changes in GOLDEN_PHONES[vendor.name]]
    return [(family, phone(vendor, family)) for family in families(vendor)]


@pytest.mark.parametrize(("vendor", "folder", "config"), [
    pytest.param(vendor, folder, config, id=f"{vendor.name}-{folder}")
    for vendor in VENDORS for folder, config in golden_phones(vendor)])
def test_rendered_files_match_golden(vendor, folder, config):
    _config, files = render(vendor, config)

    kept = []
    for name, body in files.items():
        if body not in kept:  # the same file under another name (Grandstream cfg.xml) is kept once
            kept.append(body)
            assert_golden(f"prov/{vendor.name}/{folder}/{name}", body.decode())


@by_vendor()
def test_every_family_has_golden_files(vendor):
    rendered = {vendor.family_of(config.model) for _folder, config in golden_phones(vendor)}

    assert rendered == set(families(vendor))


# -- the contract is generic --------------------------------------------------------------------------------------


def test_a_seventh_vendor_gets_every_contract_test(tmp_path):
    """Register a throwaway vendor in a child pytest: it runs every test above, goldens included, and passes."""
    root = Path(__file__).resolve().parents[2]
    this = Path(__file__).relative_to(root).as_posix()
    env = {**os.environ, "THROWAWAY_GOLDEN_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "pytest", "-p", "tests.unit.prov_throwaway_vendor", this, "-k", "throwaway",
               "-q", "-rA", "-p", "no:cacheprovider"]

    regenerate = subprocess.run(command, cwd=root, env={**env, "CENTRALINA_REGEN_GOLDEN": "1"},
                                capture_output=True, text=True, timeout=300)
    compare = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=300)

    assert regenerate.returncode == 0, regenerate.stdout + regenerate.stderr
    assert compare.returncode == 0, compare.stdout + compare.stderr
    passed = {line.split("::")[1].split("[")[0] for line in compare.stdout.splitlines() if line.startswith("PASSED")}
    contract = {name for name in globals() if name.startswith("test_")}
    assert passed == contract - {test_a_seventh_vendor_gets_every_contract_test.__name__}
    assert sorted(path.name for path in (tmp_path / "prov" / "throwaway").iterdir()) == ["t4xs", "w60b"]
