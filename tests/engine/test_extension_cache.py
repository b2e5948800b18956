"""The extensions' AstDB row cache (decision 047) against a real Asterisk: read first, never stale, rebuilt."""
import dataclasses
import threading

import pytest

from appliance.asterisk import extension_cache
from appliance.asterisk.ami import Ami, AmiSettings
from appliance.asterisk.names import EXTENSION_CACHE_FAMILY, EXTENSION_CACHE_FIELDS, EXTENSION_CACHE_FILLED
from appliance.asterisk.realtime import sync_rows
from appliance.services import Actor, extensions
from tests.engine.sipp import Sipp
from tests.pbx import extension_with_password
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")
#: A context the tests add over AMI: the row through the cache and through REALTIME_HASH, kept in AstDB.
CHECK_CONTEXT = "cn-test-row-cache"
CHECK_FAMILY = "CNXTEST"


@pytest.fixture
def sipp(pbx, tmp_path):
    return Sipp(pbx.settings.sip_port, workdir=tmp_path)


def _ami(engine, calls=False):
    return Ami(AmiSettings.for_calls(engine.settings) if calls else AmiSettings.for_engine(engine.settings))


def _cached(engine, number):
    with _ami(engine) as ami:
        return ami.db_get(EXTENSION_CACHE_FAMILY, number)


def _rows_path(engine):
    return engine.host_path(engine.settings.realtime_db)


def _expected(engine, number):
    return extension_cache.read_values(_rows_path(engine), [number])[number]


def _hash_both_ways(engine, number):
    """Return ({field: HASH value from the cache}, {field: HASH value from REALTIME_HASH}) as Asterisk parses them."""
    steps = ["Set(~ODBCFIELDS~=" + ",".join(EXTENSION_CACHE_FIELDS) + ")",
             "Set(HASH(a)=${DB(" + EXTENSION_CACHE_FAMILY + "/${EXTEN})})",
             "Set(HASH(b)=${REALTIME_HASH(cn_extensions,id,${EXTEN})})"]
    for field in EXTENSION_CACHE_FIELDS:
        steps += [f"Set(DB({CHECK_FAMILY}/${{EXTEN}}/a_{field})=${{HASH(a,{field})}})",
                  f"Set(DB({CHECK_FAMILY}/${{EXTEN}}/b_{field})=${{HASH(b,{field})}})"]
    steps.append(f"Set(DB({CHECK_FAMILY}/${{EXTEN}}/done)=1)")
    with _ami(engine) as ami:
        ami.db_deltree(CHECK_FAMILY)
        for priority, step in enumerate(steps + ["Hangup()"], start=1):
            application, _, data = step.partition("(")
            ami.dialplan_action({"Action": "DialplanExtensionAdd", "Context": CHECK_CONTEXT, "Extension": "_X.",
                                 "Priority": str(priority), "Application": application, "ApplicationData": data[:-1],
                                 "Replace": "yes"})
    with _ami(engine, calls=True) as ami:
        ami.originate_application(f"Local/{number}@{CHECK_CONTEXT}", "Wait", "1", timeout=5)

    def done():
        with _ami(engine) as ami:
            tree = ami.db_tree(CHECK_FAMILY)
        return tree if tree.get(f"{number}/done") == "1" else None

    tree = wait_for(done, timeout=10)
    assert tree, "the check context never ran"
    values = {key.partition("/")[2]: value for key, value in tree.items()}
    return ({field: values.get(f"a_{field}", "") for field in EXTENSION_CACHE_FIELDS},
            {field: values.get(f"b_{field}", "") for field in EXTENSION_CACHE_FIELDS})


def test_a_new_extension_is_cached_and_asterisk_reads_the_cache_as_it_reads_the_row(pbx):
    extension, _ = extension_with_password("301", "Alice")
    extensions.add_device(extension.id, "mobile", ADMIN)
    extensions.update(extension.id, extensions.ExtensionChanges("Alice", True, voicemail_enabled=True,
                                                                language="pt_BR", ring_seconds=33), ADMIN)

    assert _cached(pbx, "301") == _expected(pbx, "301") is not None
    from_cache, from_row = _hash_both_ways(pbx, "301")
    assert from_cache == from_row and from_cache["dial"].count("PJSIP/") == 2 and from_cache["ring_seconds"] == "33"


def test_commas_backslashes_and_quotes_reach_the_hash_as_from_the_row(pbx):
    # A row no service writes (they validate): only the escaping is under test.
    odd = {"id": "3999", "name": "Odd, \"quoted\"", "dial": "PJSIP/a\\b,c&PJSIP/d", "voicemail": "no",
           "max_calls": 2, "ring_seconds": 20, "language": "en", "context": "internal", "callerid": "",
           "record": None, "record_prompt": "x,y\\"}
    sync_rows(_rows_path(pbx), {"cn_extensions": [odd]}, only_ids={"cn_extensions": {"3999"}})
    extension_cache.follow(pbx, _rows_path(pbx), ["3999"], full=False)
    try:
        from_cache, from_row = _hash_both_ways(pbx, "3999")
        assert from_cache == from_row, (from_cache, from_row)
        assert from_cache["dial"] == odd["dial"] and from_cache["record_prompt"] == odd["record_prompt"]
        assert from_cache["record"] == "" and _cached(pbx, "3999") == _expected(pbx, "3999")
    finally:
        sync_rows(_rows_path(pbx), {"cn_extensions": []}, only_ids={"cn_extensions": {"3999"}})
        extension_cache.follow(pbx, _rows_path(pbx), ["3999"], full=False)
    assert _cached(pbx, "3999") is None


def test_the_dialplan_reads_the_cache_first_and_the_row_without_it(pbx, sipp):
    _, alice = extension_with_password("301", "Alice")
    _, bob = extension_with_password("302", "Bob")
    extension_with_password("303", "Carol")
    # 303's cached value names Bob's device: the call rings Bob, so it was read from the cache.
    with _ami(pbx) as ami:
        ami.db_put(EXTENSION_CACHE_FAMILY, "303", _expected(pbx, "302"))
    with sipp.uas("302", bob) as uas:
        assert sipp.call("301", alice, "303", hold_seconds=0.2).ok
        assert uas.wait().received_requests("INVITE")

    # No key (a cache never filled, or wiped): the row is read, and the call rings as before.
    with _ami(pbx) as ami:
        ami.db_del(EXTENSION_CACHE_FAMILY, "302")
    with sipp.uas("302", bob) as uas:
        assert sipp.call("301", alice, "302", hold_seconds=0.2).ok
        assert uas.wait().received_requests("INVITE")
    with _ami(pbx) as ami:  # put back what the test bent
        ami.db_put(EXTENSION_CACHE_FAMILY, "303", _expected(pbx, "303"))
        ami.db_put(EXTENSION_CACHE_FAMILY, "302", _expected(pbx, "302"))


def test_a_ring_group_member_leg_reads_the_cache_too(pbx, sipp):
    from appliance.services import groups

    _, alice = extension_with_password("301", "Alice")
    _, bob = extension_with_password("302", "Bob")
    extension_with_password("303", "Carol")
    groups.save_ring_group(groups.RingGroupInput("680", "Cache", members=["303"]), ADMIN)
    with _ami(pbx) as ami:  # Carol's cached dial string names Bob's device: the member leg rings Bob
        ami.db_put(EXTENSION_CACHE_FAMILY, "303", _expected(pbx, "302"))
    try:
        with sipp.uas("302", bob) as uas:
            assert sipp.call("301", alice, "680", hold_seconds=0.2).ok
            assert uas.wait().received_requests("INVITE")
    finally:
        with _ami(pbx) as ami:
            ami.db_put(EXTENSION_CACHE_FAMILY, "303", _expected(pbx, "303"))


def test_a_forward_after_a_row_read_from_realtime_still_reads_the_next_cached_row_right(pbx, sipp):
    # The cached row's field names are a dialplan global; REALTIME_HASH (no key for 302) leaves the
    # row's every column in the channel's own ~ODBCFIELDS~, which would then name 303's cached
    # values wrongly when 302's forward brings the call back into the same context.
    from appliance.services import extension_settings

    _, alice = extension_with_password("301", "Alice")
    bob, _ = extension_with_password("302", "Bob")
    _, carol = extension_with_password("303", "Carol")
    settings = extension_settings.current(bob)
    extension_settings.update(bob.id, dataclasses.replace(settings, forward_always="303"), ADMIN)
    with _ami(pbx) as ami:
        ami.db_del(EXTENSION_CACHE_FAMILY, "302")
    try:
        with sipp.uas("303", carol) as uas:
            call = sipp.call("301", alice, "302", hold_seconds=0.2)
            assert call.ok, str(call)
            assert uas.wait().received_requests("INVITE")
    finally:
        extension_settings.update(bob.id, settings, ADMIN)
        with _ami(pbx) as ami:
            ami.db_put(EXTENSION_CACHE_FAMILY, "302", _expected(pbx, "302"))


def test_an_edit_is_seen_by_the_next_call(pbx, sipp):
    _, alice = extension_with_password("301", "Alice")
    erin, _ = extension_with_password("305", "Erin")
    before = _cached(pbx, "305")

    extensions.update(erin.id, extensions.ExtensionChanges("Erin", True, ring_seconds=41, voicemail_enabled=False),
                      ADMIN)
    assert _cached(pbx, "305") == _expected(pbx, "305") != before
    device = extensions.add_device(erin.id, "desk", ADMIN)  # a new device rings on the next call
    assert device.sip_username in _cached(pbx, "305")
    with sipp.uas(device.sip_username, device.sip_password) as uas:
        assert sipp.call("301", alice, "305", hold_seconds=0.2).ok
        assert uas.wait().received_requests("INVITE")

    extensions.delete_device(device.id, ADMIN)
    assert device.sip_username not in _cached(pbx, "305")


def test_a_deleted_or_disabled_extension_leaves_the_cache_and_gets_404(pbx, sipp):
    _, alice = extension_with_password("301", "Alice")
    gone, _ = extension_with_password("306", "Frank")
    off, _ = extension_with_password("307", "Grace")
    assert _cached(pbx, "306") and _cached(pbx, "307")

    extensions.delete(gone.id, ADMIN)
    extensions.update(off.id, extensions.ExtensionChanges("Grace", enabled=False), ADMIN)

    assert _cached(pbx, "306") is None and _cached(pbx, "307") is None
    assert sipp.call("301", alice, "306", hold_seconds=0.2, expect_status=404).ok
    assert sipp.call("301", alice, "307", hold_seconds=0.2, expect_status=404).ok


def test_a_failed_write_marks_the_cache_stale_and_the_daemon_rebuilds_it(pbx, sipp, monkeypatch):
    _, alice = extension_with_password("301", "Alice")
    _, bob = extension_with_password("302", "Bob")
    with _ami(pbx) as ami:  # a value older than its row, as a lost write would leave it
        ami.db_put(EXTENSION_CACHE_FAMILY, "302", _expected(pbx, "301"))
    monkeypatch.setattr(extension_cache, "CHUNK", 2)  # several chunks from a handful of extensions
    extension_cache.mark_stale(pbx)

    stop = threading.Event()
    written = extension_cache.keep(pbx, stop)

    assert written and not extension_cache.is_stale(pbx)
    assert _cached(pbx, "302") == _expected(pbx, "302") and _cached(pbx, EXTENSION_CACHE_FILLED) == "1"
    with sipp.uas("302", bob) as uas:
        assert sipp.call("301", alice, "302", hold_seconds=0.2).ok
        assert uas.wait().received_requests("INVITE")
    assert extension_cache.keep(pbx, stop, check_filled=True) is None  # complete: nothing to do


def test_a_fill_stops_between_chunks_when_asked_and_calls_read_the_rows_meanwhile(pbx, sipp, monkeypatch):
    _, alice = extension_with_password("301", "Alice")
    _, bob = extension_with_password("302", "Bob")
    monkeypatch.setattr(extension_cache, "CHUNK", 1)
    extension_cache.mark_stale(pbx)
    stop = threading.Event()
    stop.set()

    assert extension_cache.keep(pbx, stop) == 0  # wiped, then stopped before the first chunk
    with _ami(pbx) as ami:
        assert ami.db_tree(EXTENSION_CACHE_FAMILY) == {}
    with sipp.uas("302", bob) as uas:
        assert sipp.call("301", alice, "302", hold_seconds=0.2).ok
        assert uas.wait().received_requests("INVITE")

    assert extension_cache.keep(pbx, threading.Event(), check_filled=True)  # no fill recorded: filled now
    assert _cached(pbx, "302") == _expected(pbx, "302")


def test_a_start_after_a_full_sync_finds_no_family_and_calls_read_the_rows(pbx, sipp):
    # Last in the module: it restarts the module's Asterisk, as `centralina engine foreground` starts it.
    from appliance.services import engine_sync

    _, alice = extension_with_password("301", "Alice")
    _, bob = extension_with_password("302", "Bob")
    with _ami(pbx) as ami:  # what an edit Asterisk missed while down would leave
        ami.db_put(EXTENSION_CACHE_FAMILY, "302", _expected(pbx, "301"))
        ami.db_put("CN", "302/test_kept", "1")
    pbx.stop()

    engine_sync.sync(pbx)  # Asterisk down: the family goes from astdb.sqlite3
    pbx.start()

    with _ami(pbx) as ami:
        assert ami.db_tree(EXTENSION_CACHE_FAMILY) == {}
        assert ami.db_get("CN", "302/test_kept") == "1"  # the rest of AstDB is untouched
        ami.db_del("CN", "302/test_kept")
    assert sipp.register("302", bob).ok
    with sipp.uas("302", bob) as uas:
        assert sipp.call("301", alice, "302", hold_seconds=0.2).ok
        assert uas.wait().received_requests("INVITE")
    assert extension_cache.keep(pbx, threading.Event(), check_filled=True)  # the daemon's job after connecting
    assert _cached(pbx, "302") == _expected(pbx, "302")
