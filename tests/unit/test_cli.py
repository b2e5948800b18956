"""The ``centralina`` command line."""
import pytest
from click.testing import CliRunner

from appliance import cli, db
from appliance.models.users import AuditEntry, User
from appliance.services import Actor, extensions, groups, users


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("CENTRALINA_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("CENTRALINA_CONFIG_DIR", str(tmp_path / "etc"))
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli.main, list(args), catch_exceptions=False)

    assert invoke("db", "upgrade").exit_code == 0
    yield invoke
    db.close()


def test_admin_create_and_reset_password(run):
    result = run("admin", "create", "chefe", "--password", "Boss-Password-1")
    assert result.exit_code == 0 and "created chefe (admin)" in result.output
    result = run("admin", "reset-password", "chefe")
    new_password = result.output.strip().rsplit(" ", 1)[1]
    assert users.authenticate("chefe", new_password) is not None
    assert AuditEntry.select().where(AuditEntry.actor_name == "cli").count() == 2


def test_admin_create_rejects_bad_input_and_writes_nothing(run):
    result = run("admin", "create", "<bad>", "--password", "Some-Password-1")
    assert result.exit_code != 0 and "Use 2 to 64 characters" in result.output
    assert User.select().count() == 0


def test_seed_demo_prints_a_random_admin_password_once(run, tmp_path):
    first = run("seed-demo").output
    password = first.split("password: ")[1].strip()
    assert users.authenticate("admin", password) is not None
    assert run("seed-demo").output == first  # no second seeding; the same hint
    assert [e.number for e in extensions.list_extensions()] == ["201", "202", "203", "204"]
    assert (tmp_path / "admin-password.txt").stat().st_mode & 0o777 == 0o600
    # Each demo person opens their own extension's panel; 600 rings the front desk team.
    assert extensions.find_extension("202").user.username == "joao"
    group = groups.list_ring_groups().get()
    assert (group.number, groups.member_numbers(group)) == ("600", ["201", "202", "203"])


@pytest.mark.parametrize("minutes, window", [("0", False), ("30", True)])
def test_phones_add_opens_the_zero_touch_window_the_settings_say(run, monkeypatch, minutes, window):
    from appliance.models.extensions import Device

    monkeypatch.setenv("CENTRALINA_PROV_BOOTSTRAP_MINUTES", minutes)
    extensions.create(extensions.ExtensionInput("201", "Recepção"), Actor.system("test"))
    result = run("phones", "add", "--mac", "80:5e:c0:12:34:56", "--vendor", "yealink", "--model", "T46U",
                 "--extension", "201")
    assert result.exit_code == 0, result.output
    assert (Device.get(Device.mac == "805ec0123456").bootstrap_until is not None) == window
