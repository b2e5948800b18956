"""Fixtures shared by every test: an app on a fresh database, a client, and login actions."""
import re
import shutil

import argon2
import pytest

from appliance import db, migrations, passwords, permissions
from appliance.models.extensions import Extension
from appliance.services import Actor, extensions, users
from tests.fakes import RecordingControl, installed
from web import create_app

ADMIN_PASSWORD = "Correct-Horse-42"

# The tests are an entry point too: what they create under a VAR_DIR is private, as in production.
permissions.private_umask()
# Argon2id as in production, at the cost argon2-cffi gives for tests: the suite logs in thousands of
# times. tests/unit/test_passwords.py checks the production parameters on their own.
passwords.use_parameters(argon2.profiles.CHEAPEST)


@pytest.fixture(scope="session")
def migrated_database_file(tmp_path_factory):
    """A SQLite file migrated to the newest version once a run: each test's database starts as a
    copy of it (running every migration cost each test a tenth of a second)."""
    path = tmp_path_factory.mktemp("migrated") / "migrated.db"
    migrations.upgrade(db.init(f"sqlite:///{path}"))
    db.close()  # the last connection: SQLite folds the WAL back into the file
    return path


@pytest.fixture
def app(tmp_path, migrated_database_file):
    """A web app on its own migrated SQLite database under ``tmp_path``."""
    shutil.copyfile(migrated_database_file, tmp_path / "test.db")
    app = create_app(
        {
            "TESTING": True,
            "VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
            "SECRET_KEY": "test",
            "ENGINE_ENABLED": False,
            "TLS_DIR": str(tmp_path / "tls"),  # never the box's /etc/centralina/tls
        }
    )
    users.create(users.UserInput("admin", ADMIN_PASSWORD, "Admin", role="admin", language="en"), Actor.system("test"))
    yield app
    db.close()


@pytest.fixture
def database(tmp_path, migrated_database_file):
    """A migrated SQLite database under ``tmp_path``, bound to the models (no web app)."""
    shutil.copyfile(migrated_database_file, tmp_path / "app.db")
    handle = db.init(f"sqlite:///{tmp_path / 'app.db'}")
    yield handle
    db.close()


@pytest.fixture
def engine_control(app):
    """A recording engine adapter in place of Asterisk (tests of the web layer): what the services asked."""
    fake = RecordingControl()
    restore = installed(fake)
    yield fake
    restore()


@pytest.fixture
def client(app):
    """A test client of ``app``."""
    return app.test_client()


def csrf_token(html):
    """Return the CSRF token found in a rendered page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token in the page"
    return match.group(1)


class AuthActions:
    """Log in and out through the real login form."""

    def __init__(self, client):
        self.client = client

    def login(self, username="admin", password=ADMIN_PASSWORD):
        """Post the login form; return the response."""
        token = csrf_token(self.client.get("/login").get_data(as_text=True))
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    def token(self, path="/panel/account"):
        """Return a CSRF token valid for the current session."""
        return csrf_token(self.client.get(path).get_data(as_text=True))


@pytest.fixture
def auth(client):
    """Login helper bound to ``client``."""
    return AuthActions(client)


PERSON_PASSWORD = "Blue-Lantern-Pass-77"


def make_person(username, number, name=None, language="pt_BR", password=PERSON_PASSWORD):
    """Create a user and an extension whose panel they open; return the extension."""
    actor = Actor.system("test")
    name = name or username.title()
    user = users.create(users.UserInput(username, password, name, role="user", language=language), actor)
    extension, _ = extensions.create(extensions.ExtensionInput(number, name), actor)
    Extension.update(user=user.id).where(Extension.id == extension.id).execute()
    return Extension.get_by_id(extension.id)
