"""A configuration Asterisk refused shows on every admin page until a later one is applied."""
import json

import pytest

from appliance.asterisk.engine import Engine, EngineSettings
from appliance.models.engine import EngineGeneration
from appliance.services import engine_sync
from tests.conftest import PERSON_PASSWORD, make_person


@pytest.fixture
def configured(app, tmp_path):
    engine_sync.configure(Engine(EngineSettings(engine_root=tmp_path / "root", ami_secret="s" * 20)))
    yield
    engine_sync.configure(None)


def _generation(number, status, error=""):
    EngineGeneration.create(number=number, status=status, files=json.dumps({}), error=error)


def test_admins_see_the_phone_system_is_behind_until_a_later_apply(auth, client, configured):
    _generation(1, "applied")
    _generation(2, "failed", "extensions.conf: parse error at line 9")
    auth.login()
    page = client.get("/telephony/extensions").get_data(as_text=True)
    assert "The phone system is behind the database: it refused configuration 2" in page
    assert "parse error at line 9" in page and "/admin/system/generations/2" in page

    _generation(3, "applied")
    assert "behind the database" not in client.get("/telephony/extensions").get_data(as_text=True)


def test_people_without_admin_rights_do_not_see_it(auth, client, configured):
    _generation(1, "failed", "parse error")
    make_person("ana", "201")
    auth.login("ana", PERSON_PASSWORD)
    assert "behind the database" not in client.get("/panel/devices").get_data(as_text=True)
