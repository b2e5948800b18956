"""Fixtures of the API tests: tokens made through the service, a client that sends them."""
import pytest

from appliance.services import Actor, api_tokens, users

SYSTEM = Actor.system("test")


def service_token(scopes=None, name="crm", days=0):
    """Create a service token (every service scope by default); return (row, secret)."""
    scopes = tuple(scopes or api_tokens.SERVICE_SCOPES)
    return api_tokens.create_service(api_tokens.TokenInput(name, scopes, days), SYSTEM)


def personal_token(username, scopes=None, name="mine", days=90):
    """Create a personal token of ``username`` (every scope of their role by default); return (row, secret)."""
    user = users.find_user(username)
    scopes = tuple(scopes or api_tokens.allowed_scopes("personal", user))
    return api_tokens.create_personal(user.id, api_tokens.TokenInput(name, scopes, days), SYSTEM)


def bearer(secret, **headers):
    """Return the headers of a request made with ``secret``."""
    return {"Authorization": f"Bearer {secret}", **headers}


@pytest.fixture
def admin_token(app):
    """A service token with every scope."""
    return service_token()[1]
