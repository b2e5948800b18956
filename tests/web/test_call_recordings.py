"""A recorded call in the panel's call history: a player and a download for the call's extensions and admins,
every listen audited; anyone else gets 404."""
import datetime

import pytest

from appliance.models.recordings import Recording
from appliance.models.users import AuditEntry
from appliance.services import recordings
from tests.conftest import make_person
from tests.web.test_call_history import PASSWORD, T0, leg

OGG = b"OggS" + b"\0" * 60


@pytest.fixture
def recorded(app):
    """A call 201 -> 202, recorded; 203 (carla) had no part in it."""
    make_person("maria", "201", language="en", password=PASSWORD)
    make_person("joao", "202", language="en", password=PASSWORD)
    make_person("carla", "203", language="en", password=PASSWORD)
    leg(T0, "201", "202", linkedid="call-1")
    store = recordings.store_dir(app.config)
    (store / "2026/11/20").mkdir(parents=True)
    (store / "2026/11/20/call-1.opus").write_bytes(OGG)
    return Recording.create(name="call-1+1764000000.1+1764000000", linkedid="call-1", started_at=T0,
                            path="2026/11/20/call-1.opus", size=len(OGG), seconds=30,
                            delete_after=T0 + datetime.timedelta(days=30))


def _audits(action):
    return AuditEntry.select().where(AuditEntry.action == action).count()


@pytest.mark.parametrize("username", ["maria", "joao"])
def test_the_calls_extensions_see_a_player_and_each_listen_is_audited(auth, client, recorded, username):
    auth.login(username, PASSWORD)
    page = client.get("/panel/history").get_data(as_text=True)
    assert f"/panel/history/recordings/{recorded.id}" in page and "<audio" in page

    played = client.get(f"/panel/history/recordings/{recorded.id}")
    assert played.status_code == 200 and played.mimetype == "audio/ogg" and played.data == OGG
    assert "no-store" in played.headers["Cache-Control"]
    # The player's later range requests are the same listen.
    assert client.get(f"/panel/history/recordings/{recorded.id}", headers={"Range": "bytes=10-"}).status_code == 206
    assert _audits("recording.played") == 1

    download = client.get(f"/panel/history/recordings/{recorded.id}/download")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert _audits("recording.downloaded") == 1


def test_someone_else_gets_404_and_nothing_is_audited(auth, client, recorded):
    auth.login("carla", PASSWORD)
    assert client.get(f"/panel/history/recordings/{recorded.id}").status_code == 404
    assert client.get(f"/panel/history/recordings/{recorded.id}?ext=201").status_code == 403
    assert client.get(f"/panel/history/recordings/{recorded.id + 1}").status_code == 404
    assert _audits("recording.played") == 0


def test_retention_deletes_the_file_and_marks_the_row_audited(app, auth, client, recorded):
    store = recordings.store_dir(app.config)
    assert recordings.purge_expired(store, now=T0 + datetime.timedelta(days=29)) == 0
    assert recordings.purge_expired(store, now=T0 + datetime.timedelta(days=31)) == 1
    assert not (store / recorded.path).exists()
    row = Recording.get_by_id(recorded.id)
    assert row.deleted_at == T0 + datetime.timedelta(days=31)
    assert _audits("recording.expired") == 1
    assert recordings.purge_expired(store, now=T0 + datetime.timedelta(days=32)) == 0  # once
    auth.login("maria", PASSWORD)
    assert f"/panel/history/recordings/{recorded.id}" not in client.get("/panel/history").get_data(as_text=True)
    assert client.get(f"/panel/history/recordings/{recorded.id}").status_code == 404


def test_retention_never_deletes_a_file_written_in_the_last_minute(app, recorded):
    store = recordings.store_dir(app.config)
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    Recording.update(delete_after=now - datetime.timedelta(days=1)).execute()
    assert recordings.purge_expired(store, now=now) == 0 and (store / recorded.path).exists()
    later = now + datetime.timedelta(seconds=recordings.QUIET_SECONDS + 1)
    assert recordings.purge_expired(store, now=later) == 1 and not (store / recorded.path).exists()
