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


def test_image_kernel_reboots_on_panic_and_skips_the_timer_check():
    """Both GRUB entries carry image.yml's kernel_args (a loaded VM panicked in the IO-APIC timer check)."""
    import jinja2
    import yaml

    plays = yaml.safe_load((PLAYBOOKS / "image.yml").read_text())
    kernel_args = next(play["vars"]["kernel_args"] for play in plays if "kernel_args" in play.get("vars", {}))
    assert {"panic=10", "no_timer_check"} <= set(kernel_args.split())
    template = (PLAYBOOKS / "roles/centralina_image_boot/templates/grub.cfg.j2").read_text()
    text = jinja2.Template(template).render(ansible_managed="", root_uuid="U", kernel_args=kernel_args,
                                            kernel_console="console=tty0")
    linux_lines = [line for line in text.splitlines() if line.strip().startswith("linux ")]
    assert len(linux_lines) == 2 and all("panic=10 no_timer_check" in line for line in linux_lines)


def test_boot_test_uploads_a_backup_as_multipart_form_data():
    """The boot test's restore request is what the API's form and file arguments read."""
    import io

    from werkzeug.formparser import parse_form_data

    sys.path.insert(0, str(PLAYBOOKS.parent / "image"))
    try:
        import boottest
    finally:
        sys.path.pop(0)
    content = b"CENTRALINA-BACKUP\n\x00\xff--not-a-boundary\r\n" * 100
    body, content_type = boottest.multipart({"passphrase": "a passphrase"}, {"file": content})
    _, form, files = parse_form_data({"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
                                      "CONTENT_TYPE": content_type, "REQUEST_METHOD": "POST"})
    assert form["passphrase"] == "a passphrase"
    assert files["file"].read() == content
