"""playbooks/jitsi.yml parses (it installs Jitsi on a real host: not run in CI)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_jitsi_playbook_passes_ansibles_syntax_check(tmp_path):
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("jitsi:\n  hosts:\n    meet.example.com:\n")
    done = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "--syntax-check", "-i",
                           str(inventory), str(ROOT / "playbooks/jitsi.yml")],
                          capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "ANSIBLE_LOCAL_TEMP": str(tmp_path), "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stdout + done.stderr
