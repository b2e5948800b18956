"""The image and install playbooks parse, and their roles and plugins load (no build: `make image-test` boots one)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"
ANSIBLE = Path(sys.executable).parent / "ansible-playbook"


@pytest.mark.skipif(not ANSIBLE.exists(), reason="ansible-core is in the test extras")
@pytest.mark.parametrize("playbook", ["image.yml", "install.yml"])
def test_playbook_syntax(playbook):
    env = {**os.environ, "ANSIBLE_CONFIG": str(PLAYBOOKS / "ansible.cfg")}
    done = subprocess.run([str(ANSIBLE), "--syntax-check", playbook], cwd=PLAYBOOKS, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_chroot_connection_keeps_paths_inside_the_tree(tmp_path):
    sys.path.insert(0, str(PLAYBOOKS / "connection_plugins"))
    try:
        import chroot_dir
    finally:
        sys.path.pop(0)
    connection = chroot_dir.Connection.__new__(chroot_dir.Connection)
    connection.root = str(tmp_path)
    assert connection._in_tree("/etc/hostname") == f"{tmp_path}/etc/hostname"
    assert connection._in_tree("../../etc/shadow") == f"{tmp_path}/etc/shadow"
    assert connection._in_tree("/a/../../b") == f"{tmp_path}/b"


def test_no_apt_validity_override_is_written_into_the_image():
    texts = [path.read_text() for path in PLAYBOOKS.rglob("*") if path.is_file() and "roles" in path.parts]
    assert not [text for text in texts if "Check-Valid-Until" in text]
