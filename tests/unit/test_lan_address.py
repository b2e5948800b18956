"""PROV_BASE_URL from the appliance's LAN address: written as its own settings layer, validated."""
import pytest

from appliance import lan_address, settings


def test_an_address_becomes_the_provisioning_url_layer(tmp_path):
    assert lan_address.main(["192.168.1.10/24", "--config-dir", str(tmp_path)]) == 0
    conf = settings.load(overrides={"VAR_DIR": str(tmp_path)}, environ={}, config_dir=tmp_path)
    assert conf["PROV_BASE_URL"] == "http://192.168.1.10/prov"
    assert lan_address.write("192.168.1.10", tmp_path) is False  # same address: untouched
    (tmp_path / "50-local.cfg").write_text('PROV_BASE_URL = "https://pbx.example.com/prov"\n')
    conf = settings.load(overrides={"VAR_DIR": str(tmp_path)}, environ={}, config_dir=tmp_path)
    assert conf["PROV_BASE_URL"] == "https://pbx.example.com/prov"  # the admin's own file wins


@pytest.mark.parametrize("bad", ["127.0.0.1", "0.0.0.0", "pbx.example.com", "1.2.3.4\"; import os", "224.0.0.1"])
def test_what_is_not_a_lan_address_is_refused_and_nothing_written(tmp_path, bad):
    assert lan_address.main([bad, "--config-dir", str(tmp_path)]) == 2
    assert not (tmp_path / lan_address.FILE).exists()


def test_ipv6_gets_brackets():
    assert lan_address.base_url("fd00::10/64") == "http://[fd00::10]/prov"


def test_detect_finds_an_address_or_says_none():
    found = lan_address.detect()
    assert found is None or lan_address.base_url(found).startswith("http://")
