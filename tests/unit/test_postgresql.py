"""The same models, migrations and services on PostgreSQL (CENTRALINA_DATABASE_URL=postgresql://...)."""
import glob
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from appliance import db, migrations
from appliance.models.extensions import Extension
from appliance.services import Actor, audit, extensions, users
from provisioning import cache as provisioning_cache
from tests.engine.sipp import free_port


def _bin(name):
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        pytest.fail("PostgreSQL is missing: `make test` installs it (apt-get install postgresql)")
    return found[-1]


@pytest.fixture(scope="module")
def postgresql_url():
    """A throw-away PostgreSQL server on a free loopback port, run as the postgres user; stopped by PID."""
    # Not under pytest's tmp_path: that tree is root's alone (0700) and PostgreSQL refuses to run as root.
    base = Path(tempfile.mkdtemp(prefix="centralina-pg-"))
    shutil.chown(base, "postgres", "postgres")
    data = base / "data"
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_postgres, _bin("initdb"), "-D", str(data), "-A", "trust", "-U", "centralina"],
                   check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([*as_postgres, _bin("postgres"), "-D", str(data), "-h", "127.0.0.1", "-p", str(port),
                               "-k", str(data)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run([_bin("pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                             capture_output=True).returncode != 0:
            assert time.monotonic() < deadline, "PostgreSQL did not start"
            time.sleep(0.2)
        subprocess.run([_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "centralina", "pbx"], check=True)
        yield f"postgresql://centralina@127.0.0.1:{port}/pbx"
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def database(postgresql_url):
    handle = db.init(postgresql_url)
    handle.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    yield handle
    db.close()


def test_migrations_and_services_work_on_postgresql(database):
    migrations.upgrade(database)
    assert migrations.current(database) == migrations.head()
    actor = Actor.system("test")
    generation = provisioning_cache.current_generation()[0]
    users.create(users.UserInput("gerente", "Correct-Horse-42", "Gerente", role="admin"), actor)
    extensions.create(extensions.ExtensionInput("201", "Recepção"), actor)
    assert users.authenticate("gerente", "Correct-Horse-42").display_name == "Gerente"
    assert Extension.get(Extension.number == "201").devices[0].sip_username == "201"
    assert [entry.action for entry in audit.list_entries()] == ["extension.create", "user.create"]
    assert provisioning_cache.current_generation()[0] > generation  # m0023's triggers fire here too
    assert migrations.upgrade(database) == []
