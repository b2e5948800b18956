"""The extensions' row cache without an Asterisk: values, the wipe while Asterisk is down, failures."""
import sqlite3
from pathlib import Path
from types import SimpleNamespace

from appliance.asterisk import control, extension_cache
from appliance.asterisk.ami import AmiUnavailable
from appliance.asterisk.engine import Engine
from appliance.asterisk.names import EXTENSION_CACHE_FIELDS


class FakeEngine:
    """What extension_cache uses of an Engine: paths under ``root``, running or not."""

    def __init__(self, root, running):
        self.root, self.running = Path(root), running
        self.settings = SimpleNamespace(instance_dir=Path("/srv/centralina/t"),
                                        realtime_db=Path("/srv/centralina/t/lib/realtime.sqlite3"))

    def host_path(self, path):
        return self.root / str(path).lstrip("/")

    def is_running(self):
        return self.running

    def lock_file(self, name):
        path = self.host_path(self.settings.instance_dir / name)
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, "a")

    rows_locked = Engine.rows_locked


def _astdb(engine, keys):
    path = extension_cache.astdb_path(engine)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    # main/db.c's table.
    conn.execute("CREATE TABLE IF NOT EXISTS astdb(key TEXT, value TEXT, PRIMARY KEY(key))")
    conn.executemany("INSERT INTO astdb VALUES (?, ?)", [(key, "v") for key in keys])
    conn.commit()
    conn.close()
    return path


def test_a_value_holds_the_fields_escaped_as_realtime_hash_escapes_them():
    texts = ["PJSIP/201&PJSIP/201-2", "25", "2", "yes", None, "a,b\\c", "", "internal", "pt_BR"]
    assert len(texts) == len(EXTENSION_CACHE_FIELDS)
    assert extension_cache.value_of(texts) == "PJSIP/201&PJSIP/201-2,25,2,yes,,a\\,b\\\\c,,internal,pt_BR"


def test_rows_asterisk_could_not_be_sent_the_value_of_stay_uncached():
    assert extension_cache.value_of([""] * len(EXTENSION_CACHE_FIELDS)) is None  # no dial string
    assert extension_cache.value_of(["PJSIP/x" * 200, "25"]) is None  # past one AMI line
    assert extension_cache.value_of(["PJSIP/x", "line\nbreak"]) is None
    assert extension_cache.value_of(["PJSIP/x", "", "", "", "", "", "", "", "trailing "]) is None
    # The dialplan reads the value inside ${SET(...):0:0}, where a stray parenthesis moves the ":".
    assert extension_cache.value_of(["PJSIP/x", "", "", "", "", "", "", "ctx)", "pt_BR"]) is None


def test_a_full_sync_with_asterisk_down_deletes_only_the_family_from_its_file(tmp_path):
    engine = FakeEngine(tmp_path, running=False)
    path = _astdb(engine, ["/CNX/201", "/CNX/_filled", "/CN/201/dnd", "/CNXY/1", "/registrar/contact/x"])
    extension_cache.mark_stale(engine)

    extension_cache.follow(engine, None, (), full=True)

    keys = {row[0] for row in sqlite3.connect(path).execute("SELECT key FROM astdb")}
    assert keys == {"/CN/201/dnd", "/CNXY/1", "/registrar/contact/x"}
    assert not extension_cache.is_stale(engine)  # empty is never stale


def test_a_full_sync_before_asterisk_ever_ran_creates_no_astdb_file(tmp_path):
    engine = FakeEngine(tmp_path, running=False)
    extension_cache.follow(engine, None, (), full=True)
    assert not extension_cache.astdb_path(engine).exists()  # Asterisk creates it, owned by its account


def test_a_scoped_change_while_asterisk_is_down_marks_the_cache_stale(tmp_path):
    engine = FakeEngine(tmp_path, running=False)
    extension_cache.follow(engine, None, ["201"], full=False)
    assert extension_cache.is_stale(engine)


def test_a_write_asterisk_does_not_take_marks_the_cache_stale(tmp_path, monkeypatch):
    engine = FakeEngine(tmp_path, running=True)

    class Refusing:
        def __init__(self, settings):
            pass

        def put_extension_cache(self, values):
            raise AmiUnavailable("connection refused")

    monkeypatch.setattr(control, "EngineControl", Refusing)
    monkeypatch.setattr(extension_cache, "read_values", lambda path, numbers: dict.fromkeys(numbers, "v"))
    extension_cache.follow(engine, None, ["201"], full=False)
    assert extension_cache.is_stale(engine)


def test_a_change_to_many_rows_empties_the_family_for_the_daemon_to_refill(tmp_path, monkeypatch):
    engine = FakeEngine(tmp_path, running=True)
    calls = []

    class Recording:
        def __init__(self, settings):
            pass

        def clear_extension_cache(self):
            calls.append("clear")

        def put_extension_cache(self, values):
            calls.append(len(values))

    monkeypatch.setattr(control, "EngineControl", Recording)
    extension_cache.follow(engine, None, [str(n) for n in range(1000, 1000 + extension_cache.MAX_INLINE + 1)],
                           full=False)
    assert calls == ["clear"] and extension_cache.is_stale(engine)
