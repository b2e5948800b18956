"""Every user-visible string exists in Portuguese and English."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def _extract(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg", "-k", "N_", "-k", "_l",
         "--omit-header", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    return {message.id for message in read_po(pot.open("rb")) if message.id}


def test_every_string_in_the_code_has_a_portuguese_translation(tmp_path):
    catalog = read_po((ROOT / "web/translations/pt_BR/LC_MESSAGES/messages.po").open("rb"), locale="pt_BR")
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(_extract(tmp_path) - translated)
    assert not missing, f"untranslated (run `make messages` and fill web/translations/pt_BR): {missing}"


def test_english_catalog_knows_every_string(tmp_path):
    catalog = read_po((ROOT / "web/translations/en/LC_MESSAGES/messages.po").open("rb"), locale="en")
    assert not sorted(_extract(tmp_path) - {m.id for m in catalog if m.id})
