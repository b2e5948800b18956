"""Live apply against the session's real Asterisk: narrow reloads, refusals rolled back, no-ops."""
import time

import pytest

from appliance.asterisk import apply, confgen
from appliance.asterisk.ami import Ami, AmiEvents, AmiSettings
from appliance.asterisk.confgen import EngineInput, render_all
from tests.engine.sipp import free_port

ECHO_EXTENSION = "\n[internal]\nexten => 7777,1,Answer()\n same => n,Echo()\n same => n,Hangup()\n"


@pytest.fixture
def running_files(engine, engine_devices):
    """The files the session engine runs; whatever a test applies, these are applied again after it."""
    files = render_all(EngineInput(engine.settings, tuple(engine_devices)))
    yield files
    apply.apply(engine, files)


@pytest.fixture
def reloads(engine):
    """Collect the modules Asterisk reports reloading (AMI Reload events) while a test runs."""
    seen = []
    stream = AmiEvents(AmiSettings.for_engine(engine.settings),
                       lambda event: seen.append(event["Module"]) if event.get("Event") == "Reload" else None)
    stream.start()
    assert stream.wait_connected(10)
    yield seen
    stream.stop()


def settle(seen, count, timeout=3.0):
    """Wait until ``count`` events arrived (bounded), then a little longer for strays; return them."""
    deadline = time.monotonic() + timeout
    while len(seen) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    return list(seen)


def test_applying_the_running_files_is_a_no_op(engine, database, running_files, reloads):
    result = apply.apply(engine, running_files)

    assert result.generation is None and result.changed == []
    assert settle(reloads, 0) == []
    assert apply.list_generations().count() == 0


def test_a_dialplan_edit_of_extension_lines_goes_live_without_a_reload(engine, database, running_files, reloads,
                                                                        sipp):
    edited = {**running_files, "extensions.conf": running_files["extensions.conf"] + ECHO_EXTENSION}

    result = apply.apply(engine, edited)
    call = sipp.call("201", "secret-201", "7777", hold_seconds=0.3)

    assert (result.generation, result.changed, result.reloaded) == (1, ["extensions.conf"], [])
    assert result.restart_needed == []
    assert settle(reloads, 0) == []  # DialplanExtensionAdd, no pbx_config reload
    assert call.ok, str(call)
    assert "Echo()" in engine.cli("dialplan show 7777@internal")
    print(f"apply of a one-file change took {result.duration_ms} ms")
    assert apply.latest_generation().changed_files() == ["extensions.conf"]

    # What the AMI actions made is what the file says: a reload of it changes nothing a call sees.
    assert engine.cli("module reload pbx_config.so") is not None
    assert "Echo()" in engine.cli("dialplan show 7777@internal")


def test_a_dialplan_edit_beyond_extension_lines_reloads_only_the_dialplan(engine, database, running_files, reloads):
    included = "\n[cn-echo]\nexten => 7778,1,Answer()\n same => n,Echo()\n same => n,Hangup()\n" \
               "\n[internal]\ninclude => cn-echo\n"
    edited = {**running_files, "extensions.conf": running_files["extensions.conf"] + included}

    result = apply.apply(engine, edited)

    assert (result.generation, result.changed, result.reloaded) == (1, ["extensions.conf"], ["pbx_config.so"])
    assert settle(reloads, 1) == ["pbx_config.so"]
    assert "Include =>        'cn-echo'" in engine.cli("dialplan show internal")


@pytest.mark.parametrize("file_name, breakage, complaint", [
    ("extensions.conf", "\n[broken\nexten => 1,1,NoOp()\n", "parse error"),
    ("extensions.conf", "\n[sloppy]\nexten => 1,n,NoOp()\n", "Can't use 'next' priority"),
    ("pjsip.conf", "\n[transport-bad]\ntype = transport\nprotocol = udp\nbind = 999.1.1.1:5060\n",
     "Could not create an object of type 'transport'"),
])
def test_a_file_asterisk_refuses_is_rolled_back_and_calls_still_work(
        engine, database, running_files, sipp, file_name, breakage, complaint):
    broken = {**running_files, file_name: running_files[file_name] + breakage}

    with pytest.raises(apply.ApplyFailed) as refused:
        apply.apply(engine, broken)
    call = sipp.call("201", "secret-201", "*43", hold_seconds=0.3)

    assert refused.value.restored
    assert complaint in refused.value.reason
    on_disk = engine.host_path(engine.instance_dir / "etc" / file_name).read_text()
    assert on_disk == running_files[file_name]
    generation = apply.get_generation(refused.value.generation)
    assert (generation.status, generation.changed_files()) == ("failed", [file_name])
    assert complaint in generation.error
    assert call.ok, str(call)
    assert apply.apply(engine, running_files).generation is None  # Asterisk runs the previous files


def test_a_changed_transport_is_reported_as_waiting_for_a_restart(engine, database, running_files, sipp):
    moved = {**running_files, "pjsip.conf": running_files["pjsip.conf"].replace(
        f":{engine.settings.sip_port}", f":{engine.settings.sip_port + 1}")}

    result = apply.apply(engine, moved)
    port = free_port()
    still_there = sipp.register("202", "secret-202", port=port)
    sipp.register("202", "secret-202", port=port, expires=0)

    assert result.reloaded == ["res_pjsip.so"]
    assert result.restart_needed == ["pjsip.conf"]
    assert apply.latest_generation().restart_files() == ["pjsip.conf"]
    assert still_there.ok, still_there  # the old port keeps serving until a restart


def test_every_reloadable_file_names_a_module_asterisk_reloads(engine, database, running_files):
    with Ami(AmiSettings.for_engine(engine.settings)) as ami:
        for name in sorted(running_files):
            if confgen.reload_of(name):
                ami.reload_module(confgen.reload_of(name))  # raises ReloadFailed otherwise
    restart_only = sorted(name for name in running_files if confgen.reload_of(name) is None)
    assert restart_only == ["asterisk.conf", "ccss.conf", "modules.conf", "sorcery.conf", "stasis.conf"]
