"""Fixtures shared by every test: an app on a fresh database, a client, and login actions."""
import re

import pytest

from appliance import db, migrations
from appliance.models.extensions import Extension
from appliance.services import Actor, extensions, users
from web import create_app

ADMIN_PASSWORD = "Correct-Horse-42"


@pytest.fixture
def app(tmp_path):
    """A web app on its own migrated SQLite database under ``tmp_path``."""
    app = create_app(
        {
            "TESTING": True,
            "VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'test.db'}",
            "SECRET_KEY": "test",
            "ENGINE_ENABLED": False,
        }
    )
    migrations.upgrade(db.database.obj)
    users.create(users.UserInput("admin", ADMIN_PASSWORD, "Admin", role="admin", language="en"), Actor.system("test"))
    yield app
    db.close()


@pytest.fixture
def database(tmp_path):
    """A migrated SQLite database under ``tmp_path``, bound to the models (no web app)."""
    handle = db.init(f"sqlite:///{tmp_path / 'app.db'}")
    migrations.upgrade(handle)
    yield handle
    db.close()


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
