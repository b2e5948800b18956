"""Apply's bookkeeping without Asterisk: what changed, what reloads, what needs a restart, generations."""
import pytest

from appliance.asterisk import apply
from appliance.asterisk.engine import Engine, EngineSettings
from appliance.models.engine import EngineGeneration

FILES = {
    "extensions.conf": "[internal]\nexten => 201,1,Dial(PJSIP/alice)\n",
    "pjsip.conf": "[global]\ntype = global\n\n[transport-udp]\ntype = transport\nbind = 127.0.0.1:5060\n",
    "modules.conf": "[modules]\nautoload = no\n",
}


@pytest.fixture
def stopped_engine(tmp_path):
    """An engine whose Asterisk is not running: applies only write files."""
    engine = Engine(EngineSettings(engine_root=tmp_path / "root", instance="unit", ami_secret="s" * 16))
    engine.create_dirs()
    return engine


def test_modules_reload_once_each_in_reload_order():
    changed = ["extensions.conf", "cdr_sqlite3_custom.conf", "pjsip.conf", "logger.conf"]
    assert apply._modules(changed) == ["logger", "res_pjsip.so", "cdr_sqlite3_custom.so", "pbx_config.so"]


def _trunk(**changes):
    from appliance.asterisk.confgen.trunks import TrunkRow, render_trunk_sections
    values = {"id": 1, "name": "Operadora", "host": "10.0.0.1", "username": "acct", "password": "pw", **changes}
    return FILES["pjsip.conf"] + render_trunk_sections([TrunkRow(**values)])


@pytest.mark.parametrize("changes, modules", [
    ({"name": "Renomeada"}, []),  # a comment only
    ({"expiry": 900}, ["res_pjsip_outbound_registration.so"]),
    ({"match": ("10.0.0.0/24",)}, ["res_pjsip_endpoint_identifier_ip.so"]),
    ({"username": "other"}, ["res_pjsip_outbound_registration.so"]),  # the endpoint's from_user is a row
    # The AOR's contact is a row (its qualify follows in the background: engine_sync).
    ({"host": "10.0.0.2"}, ["res_pjsip_endpoint_identifier_ip.so", "res_pjsip_outbound_registration.so"]),
    ({"codecs": ("alaw",)}, []),  # the endpoint is a realtime row
])
def test_a_trunk_change_reloads_the_narrowest_pjsip_module(changes, modules):
    before, after = {"pjsip.conf": _trunk()}, {"pjsip.conf": _trunk(**changes)}
    assert apply._modules(["pjsip.conf"], before, after) == modules
    assert apply._restart_needed(["pjsip.conf"], before, after) == []


def test_a_new_trunk_reloads_only_registrations_and_identifies():
    assert apply._modules(["pjsip.conf"], {"pjsip.conf": FILES["pjsip.conf"]}, {"pjsip.conf": _trunk()}) == [
        "res_pjsip_endpoint_identifier_ip.so", "res_pjsip_outbound_registration.so"]


@pytest.mark.parametrize("name", ["modules.conf", "asterisk.conf", "sorcery.conf", "unknown.conf"])
def test_files_read_only_at_start_need_a_restart(name):
    assert apply._restart_needed([name], {}, {}) == [name]


def test_a_changed_transport_needs_a_restart_but_a_changed_global_does_not():
    old = FILES["pjsip.conf"]
    new_global = old.replace("type = global", "type = global\nuser_agent = X")
    new_bind = old.replace("5060", "5062")
    assert apply._restart_needed(["pjsip.conf"], {"pjsip.conf": old}, {"pjsip.conf": new_global}) == []
    assert apply._restart_needed(["pjsip.conf"], {"pjsip.conf": old}, {"pjsip.conf": new_bind}) == ["pjsip.conf"]


def test_log_errors_and_warnings_pointing_into_a_file_are_complaints(tmp_path):
    log = tmp_path / "messages.log"
    log.write_text("[2026-01-01 00:00:00.000] ERROR[1] old.c: before the apply\n")
    offset = log.stat().st_size
    with open(log, "a") as handle:
        handle.write(
            "[2026-01-01 00:00:01.000] NOTICE[2] sorcery.c: Type 'system' is not reloadable\n"
            "[2026-01-01 00:00:01.000] WARNING[2] pbx.c: Context 'a' tries to include nonexistent context 'b'\n"
            "[2026-01-01 00:00:01.000] WARNING[2] pbx_config.c: No closing parenthesis found? at line 9 of x.conf\n"
            "[2026-01-01 00:00:01.000] ERROR[2] res_sorcery_config.c: Could not create an object\n"
            "[2026-01-01 00:00:01.000] ERROR[2] res_sorcery_config.c: Could not create an object\n"
            # A call dialling an unregistered device at that moment: its ERROR carries the call's id.
            "[2026-01-01 00:00:01.000] ERROR[3][C-00000007] chan_pjsip.c: Unable to create PJSIP channel\n"
            # A carrier challenging our qualify OPTIONS, at that moment: not about the files.
            "[2026-01-01 00:00:01.000] ERROR[4] res_pjsip_outbound_authenticator_digest.c: noendpoint:"
            "127.0.0.4: There were no auth ids available\n"
        )
    assert apply._complaints(log, offset, quiet=0.001) == [
        "pbx_config.c: No closing parenthesis found? at line 9 of x.conf",
        "res_sorcery_config.c: Could not create an object",
    ]


def test_apply_to_a_stopped_engine_writes_files_for_its_next_start(database, stopped_engine):
    result = apply.apply(stopped_engine, FILES)
    assert (result.generation, result.engine_running, result.reloaded, result.restart_needed) == (1, False, [], [])
    etc = stopped_engine.host_path(stopped_engine.instance_dir / "etc")
    assert {name: (etc / name).read_text() for name in FILES} == FILES


def test_applying_what_runs_is_a_no_op(database, stopped_engine):
    apply.apply(stopped_engine, FILES)
    assert apply.apply(stopped_engine, lambda: dict(FILES)).generation is None
    assert EngineGeneration.select().count() == 1


def test_a_file_left_out_of_the_new_set_is_removed(database, stopped_engine):
    apply.apply(stopped_engine, FILES)
    smaller = {name: text for name, text in FILES.items() if name != "extensions.conf"}
    assert apply.apply(stopped_engine, smaller).changed == ["extensions.conf"]
    assert not stopped_engine.host_path(stopped_engine.instance_dir / "etc" / "extensions.conf").exists()


def test_generations_diff_per_file_and_only_the_newest_are_kept(database, stopped_engine):
    for number in range(1, 6):
        apply.apply(stopped_engine, {**FILES, "extensions.conf": f"; version {number}\n"}, keep=3)
    assert [g.number for g in apply.list_generations()] == [5, 4, 3]
    assert apply.diff_generations(3, 5) == {
        "extensions.conf": "--- extensions.conf (3)\n+++ extensions.conf (5)\n@@ -1 +1 @@\n-; version 3\n+; version 5\n"
    }
    with pytest.raises(apply.NotFound):
        apply.get_generation(1)


def test_restoring_a_generation_applies_its_files_and_marks_the_replaced_one(database, stopped_engine):
    apply.apply(stopped_engine, FILES)
    apply.apply(stopped_engine, {**FILES, "extensions.conf": "; changed\n"})
    result = apply.restore_generation(stopped_engine, 1)
    assert result.generation == 3 and result.changed == ["extensions.conf"]
    assert [(g.number, g.status) for g in apply.list_generations()] == [(3, "applied"), (2, "rolled_back"),
                                                                         (1, "applied")]
