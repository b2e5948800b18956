"""Fixtures of the attack tests: clients at chosen addresses, a clock the throttles read, another worker,
the provisioning app."""
import datetime

import pytest

from appliance.models.users import utcnow
from appliance.services import throttles
from tests.conftest import AuthActions
from tests.security.provisioning_fixtures import provisioning_app

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.20"


class Clock:
    """The time the throttles see; a test moves it instead of sleeping."""

    def __init__(self):
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds):
        """Let ``seconds`` pass."""
        self.now += datetime.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    """Freeze the throttles' clock; ``clock.advance(s)`` moves it."""
    fake = Clock()
    monkeypatch.setattr(throttles, "utcnow", fake)
    return fake


def client_at(app, address, user_agent="Mozilla/5.0 (test)"):
    """Return (client, AuthActions) whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, HTTP_USER_AGENT=user_agent)
    return client, AuthActions(client)


@pytest.fixture
def worker_config(app):
    """The settings another worker process needs to run the same app on the same database."""
    keys = ("TESTING", "VAR_DIR", "DATABASE_URL", "SECRET_KEY", "ENGINE_ENABLED")
    return {key: app.config[key] for key in keys}


@pytest.fixture
def prov_app(tmp_path):
    """The provisioning app (see ``provisioning_app``)."""
    with provisioning_app(tmp_path) as app:
        yield app


@pytest.fixture
def prov(prov_app):
    """A client of the provisioning app."""
    return prov_app.test_client()
