"""Services ask for a sync inside their transaction; it runs once after the commit, never after a rollback."""
from types import SimpleNamespace

import pytest

from appliance import db, migrations
from appliance.services import engine_sync

#: Stands in for an Engine: the sync is replaced, so only its identity matters.
ENGINE = SimpleNamespace(settings=None)


@pytest.fixture
def syncs(tmp_path, monkeypatch):
    database = db.init(f"sqlite:///{tmp_path / 'sync.db'}")
    migrations.upgrade(database)
    calls = []
    monkeypatch.setattr(engine_sync, "sync", lambda engine, usernames=None, files=True, numbers=():
                        calls.append((engine, usernames, files)))
    engine_sync.configure(ENGINE)
    yield calls
    engine_sync.configure(None)
    db.close()


def test_many_requests_in_one_transaction_sync_once_after_commit(syncs):
    with db.database.atomic():
        engine_sync.request(["201"], files=False)
        engine_sync.request(["202"], files=False)
        with db.database.atomic():
            engine_sync.request(["203"], files=True)
        assert syncs == []
    assert syncs == [(ENGINE, {"201", "202", "203"}, True)]


def test_rows_only_requests_leave_the_files_alone(syncs):
    with db.database.atomic():
        engine_sync.request(["201"], files=False)
    assert syncs == [(ENGINE, {"201"}, False)]


def test_a_request_for_everything_wins_over_a_narrow_one(syncs):
    with db.database.atomic():
        engine_sync.request(["201"], files=False)
        engine_sync.request()
    assert syncs == [(ENGINE, None, True)]


def test_a_rolled_back_transaction_syncs_nothing_and_the_next_one_still_does(syncs):
    with pytest.raises(RuntimeError), db.database.atomic():
        engine_sync.request(["201"])
        raise RuntimeError("the service failed")
    assert syncs == []
    with db.database.atomic():
        engine_sync.request(["202"])
    # The rolled-back request rides along: syncing a device that did not change is harmless.
    assert syncs == [(ENGINE, {"201", "202"}, True)]


def test_without_an_engine_nothing_happens(syncs):
    engine_sync.configure(None)
    with db.database.atomic():
        engine_sync.request()
    assert syncs == []


def test_extension_numbers_ride_along_with_the_devices(tmp_path, monkeypatch, syncs):
    seen = []
    monkeypatch.setattr(engine_sync, "sync", lambda engine, usernames=None, files=True, numbers=():
                        seen.append((usernames, set(numbers))))
    with db.database.atomic():
        engine_sync.request(["201"], files=False, numbers=["201"])
        engine_sync.request(["202-2"], files=False)
    assert seen == [({"201", "202-2"}, {"201"})]
