"""playbooks/phones.yml provisions phones from an inventory through the CLI, idempotently."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from appliance.models.extensions import Device
from appliance.services import Actor, extensions
from tests.pbx import environment_of, installation

pytestmark = pytest.mark.engine
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _play(inventory):
    done = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(inventory), str(ROOT / "playbooks/phones.yml")],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCAL_TEMP": str(inventory.parent / "ansible-tmp")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    recap = done.stdout[done.stdout.index("PLAY RECAP"):]
    return int(recap.split("changed=")[1].split()[0]), done.stdout


def test_the_phones_playbook_provisions_once_and_then_changes_nothing(tmp_path):
    with installation(tmp_path) as (conf, _engine):
        for number, name in (("201", "Recepção"), ("202", "Vendas")):
            extensions.create(extensions.ExtensionInput(number, name), Actor.system("test"))
        inventory = tmp_path / "inventory.json"
        inventory.write_text(json.dumps({"centralina": {"hosts": {"localhost": {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "centralina_phones_command": str(BIN / "centralina"),
            "centralina_phones_environment": environment_of(conf),
            "centralina_phones_list": [
                {"mac": "80:5e:c0:12:34:56", "vendor": "yealink", "model": "T46U", "extension": 201},
                {"mac": "c0:74:ad:0b:63:ee", "vendor": "grandstream", "model": "GRP2614", "extension": 202},
            ],
        }}}}))

        first, output = _play(inventory)
        assert first == 2, output  # the attach task (both phones) and the resync task changed something
        assert output.count("changed: [localhost] => (item=") == 2

        second, output = _play(inventory)
        assert second == 0, output
        assert "skipping: [localhost]" in output  # nothing changed, so no phone is asked to resync
        phones = {d.mac: d.extension.number for d in Device.select().where(Device.mac.is_null(False))}
        assert phones == {"805ec0123456": "201", "c074ad0b63ee": "202"}
