"""The benchmarks still run against today's code (their figures are printed by `python -m bench.<name>`)."""
import pytest

from bench import apply_scale

pytestmark = pytest.mark.engine


def test_apply_scale_measures_every_edit_at_a_small_size():
    row = apply_scale.measure(20, edits=True)

    assert set(row) >= {"collect", "render", "apply", "noop", "password_live", "rename", "new_extension_callable"}
    assert all(row[key] >= 0 for key in ("password_live", "rename", "new_extension_callable"))
