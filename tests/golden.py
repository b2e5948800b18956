"""Compare rendered config to golden files, ignoring indentation and blank lines.

Regenerate every golden file with ``CENTRALINA_REGEN_GOLDEN=1 pytest tests/unit``
and review the diff before committing it.
"""
import os
from pathlib import Path

GOLDEN_DIR = Path(__file__).parent / "unit" / "golden"


def normalize(text):
    """Return ``text`` without indentation, trailing spaces and blank lines."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def assert_golden(name, text):
    """Assert ``text`` matches ``golden/<name>`` (or rewrite it when regenerating)."""
    path = GOLDEN_DIR / name
    if os.environ.get("CENTRALINA_REGEN_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return
    assert path.exists(), f"no golden file {path}; run CENTRALINA_REGEN_GOLDEN=1 pytest tests/unit"
    assert normalize(text) == normalize(path.read_text()), f"{name} differs from {path}"
