"""Extensions created through the service layer become live PJSIP devices in a real Asterisk."""
import time

import pytest

from appliance.asterisk import cdr
from appliance.asterisk.apply import list_generations
from appliance.models.call_history import CallRecord
from appliance.models.extensions import Device
from appliance.services import Actor, extension_import, extensions
from tests.engine.sipp import Sipp
from tests.pbx import extension_with_password

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")


@pytest.fixture
def sipp(pbx, tmp_path):
    return Sipp(pbx.settings.sip_port, workdir=tmp_path)


_extension = extension_with_password


def test_extensions_made_in_the_app_register_and_call_each_other(pbx, sipp):
    _, alice = _extension("301", "Alice")
    _, bob = _extension("302", "Bob")

    with sipp.uas("302", bob) as uas:
        call = sipp.call("301", alice, "302", hold_seconds=1)
        answered = uas.wait()

    assert call.ok, str(call)
    assert answered.received_requests("INVITE")


def test_a_wrong_password_gets_401(pbx, sipp):
    _extension("301", "Alice")
    assert sipp.register_expect_401("301", "not-the-password").ok


def test_the_call_record_reaches_the_app_exactly_once(pbx, sipp):
    # A pair no other test calls between, so every 306 -> 307 record is this call's.
    _, frank = _extension("306", "Frank")
    _, grace = _extension("307", "Grace")
    with sipp.uas("307", grace) as uas:
        assert sipp.call("306", frank, "307", hold_seconds=0.5).ok
        uas.wait()
    rows = CallRecord.select().where((CallRecord.src == "306") & (CallRecord.dst == "307"))
    deadline = time.monotonic() + 10
    while not rows.count() and time.monotonic() < deadline:
        cdr.ingest(pbx)
        time.sleep(0.1)
    cdr.ingest(pbx)  # another pass finds nothing new to copy

    assert rows.count() == 1
    assert rows.get().disposition == "ANSWERED" and rows.get().billsec >= 0


def test_a_new_sip_password_is_live_on_the_next_register_without_a_reload(pbx, sipp):
    extension, old_password = _extension("303", "Carol")
    generations = list_generations().count()

    new_password = extensions.regenerate_password(extension.devices[0].id, ADMIN)

    assert sipp.register("303", new_password).ok
    assert sipp.register_expect_401("303", old_password).ok
    assert list_generations().count() == generations  # no config file changed, nothing reloaded


def test_a_disabled_extension_can_neither_register_nor_be_called(pbx, sipp):
    extension, password = _extension("304", "Dave")
    _, alice = _extension("301", "Alice")
    assert sipp.register("304", password).ok

    extensions.update(extension.id, extensions.ExtensionChanges("Dave", enabled=False), ADMIN)

    assert sipp.register_expect_401("304", password).ok
    assert not sipp.call("301", alice, "304", hold_seconds=0.2).ok


def test_a_new_extension_is_callable_at_once(pbx, sipp):
    _, alice = _extension("301", "Alice")
    _, erin = _extension("305", "Erin")  # adds a dialplan line: extensions.conf reloads
    with sipp.uas("305", erin) as uas:
        assert sipp.call("301", alice, "305", hold_seconds=0.2).ok
        uas.wait()


def test_a_range_of_extensions_is_live_at_once(pbx, sipp):
    extension_import.create_range("360", "364", ADMIN)

    callee = Device.get(Device.sip_username == "364")
    _, alice = _extension("301", "Alice")
    assert sipp.register("362", Device.get(Device.sip_username == "362").sip_password).ok
    with sipp.uas("364", callee.sip_password) as uas:
        assert sipp.call("301", alice, "364", hold_seconds=0.2).ok
        uas.wait()


def test_a_change_asterisk_refuses_is_saved_and_the_engine_says_it_is_behind(pbx, sipp, monkeypatch):
    from appliance.asterisk import confgen
    from appliance.services import engine_sync, groups

    _, alice = _extension("381", "Alice")
    render = confgen.render_all

    def broken(*args, **kwargs):  # what a compiler bug or an Asterisk upgrade could do to one file
        files = render(*args, **kwargs)
        return {**files, "extensions.conf": files["extensions.conf"] + "\n[broken\n"}

    monkeypatch.setattr(confgen, "render_all", broken)
    group = groups.save_ring_group(groups.RingGroupInput("681", "Vendas", members=["381"]), ADMIN)
    behind = engine_sync.behind()
    assert group.id is not None and behind is not None and "parse error" in behind.error
    assert sipp.call("381", alice, "*43", hold_seconds=0.3).ok  # the previous files still serve calls

    monkeypatch.setattr(confgen, "render_all", render)
    groups.save_ring_group(groups.RingGroupInput("681", "Vendas", members=["381"], ring_seconds=25), ADMIN,
                           group.id)
    assert engine_sync.behind() is None
