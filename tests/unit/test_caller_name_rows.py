"""Caller names follow extensions one number at a time, and a full rebuild agrees with them."""
import shutil
import sqlite3

import pytest

from appliance.asterisk.engine import Engine
from appliance.services import Actor, engine_sync, extension_import, extensions, phonebook
from appliance.services.phonebook_formats import ContactInput
from tests.pbx import engine_settings

SYSTEM = Actor.system("test")


@pytest.fixture
def engine(database):
    """An engine instance that is never started: the syncs write its realtime rows and files only."""
    engine = Engine(engine_settings("names"))
    engine_sync.configure(engine)
    yield engine
    engine_sync.configure(None)
    shutil.rmtree(engine.host_path(engine.instance_dir), ignore_errors=True)


def _names(engine):
    path = engine.host_path(engine.settings.realtime_db)
    with sqlite3.connect(path) as conn:
        return dict(conn.execute("SELECT id, name FROM cn_callers"))


def test_added_renamed_and_removed_extensions_change_their_own_rows(engine):
    phonebook.create(None, ContactInput(name="Central de Alarmes", numbers=[("work", "1058")]), SYSTEM, shared=True)
    ana, _ = extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    extensions.create(extensions.ExtensionInput("202", "Bia"), SYSTEM)
    assert _names(engine) == {"1058": "Central de Alarmes", "201": "Ana", "202": "Bia"}

    extensions.update(ana.id, extensions.ExtensionChanges("Ana Souza", True), SYSTEM)
    assert _names(engine) == {"1058": "Central de Alarmes", "201": "Ana Souza", "202": "Bia"}

    extensions.delete(ana.id, SYSTEM)
    assert _names(engine) == {"1058": "Central de Alarmes", "202": "Bia"}

    extension_import.create_range("300", "302", SYSTEM)  # an import names its numbers too
    scoped = _names(engine)
    assert {"300", "301", "302", "202", "1058"} == set(scoped)
    engine_sync.sync(engine)  # a full rebuild finds nothing to change
    assert _names(engine) == scoped
