"""GET and POST /api/v1/config: the YAML document over the API, dry run, errors by path in the asker's language."""
import yaml

from appliance.models.extensions import Extension
from appliance.services import Actor, extensions
from tests.api.conftest import bearer, service_token

SYSTEM = Actor.system("test")
YAML = "application/yaml"


def _document(*numbers):
    return yaml.safe_dump({"version": 1, "extensions": [{"number": n, "name": f"Ramal {n}"} for n in numbers]})


def test_export_is_yaml_and_an_import_creates_with_passwords_shown_once(app, client, admin_token):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    answer = client.get("/api/v1/config", headers=bearer(admin_token))
    assert answer.status_code == 200 and answer.mimetype == YAML
    assert yaml.safe_load(answer.data)["extensions"][0]["number"] == "201"

    dry = client.post("/api/v1/config?dry_run=true", data=_document("201", "202"),
                      headers=bearer(admin_token, **{"Content-Type": YAML}))
    assert dry.status_code == 200, dry.json
    assert dry.json["counts"] == {"created": 1, "changed": 1, "deleted": 0, "unchanged": 0}
    assert dry.json["created"] == {"extensions": ["202"]} and dry.json["new_passwords"] == []
    assert Extension.select().count() == 1

    done = client.post("/api/v1/config", data=_document("201", "202"), headers=bearer(admin_token))
    assert done.status_code == 200
    [shown] = done.json["new_passwords"]
    assert shown["extension"] == "202" and len(shown["sip_password"]) >= 16
    assert shown["sip_password"] not in client.get("/api/v1/config", headers=bearer(admin_token)).text

    pruned = client.post("/api/v1/config?prune=true", data=_document("202"), headers=bearer(admin_token))
    assert pruned.json["deleted"] == {"extensions": ["201"]}


def test_errors_carry_their_path_in_the_askers_language_and_change_nothing(app, client, admin_token):
    text = yaml.safe_dump({"version": 1, "extensions": [{"number": "201", "name": "Ana"},
                                                        {"number": "x", "name": "Bia", "max_calls": "many"}]})
    answer = client.post("/api/v1/config", data=text, headers=bearer(admin_token, **{"Accept-Language": "pt-BR"}))
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert set(answer.json["errors"]) == {"extensions[1].number", "extensions[1].max_calls"}
    assert Extension.select().count() == 0

    bomb = "version: 1\na: &a [1]\nb: *a\n"
    answer = client.post("/api/v1/config", data=bomb, headers=bearer(admin_token, **{"Accept-Language": "pt-BR"}))
    assert answer.status_code == 422 and "document" in answer.json["errors"]
    assert "âncoras" in answer.json["errors"]["document"]


def test_the_config_scopes_guard_both_operations(app, client):
    _, reader = service_token(["extensions:read"], name="reader")
    assert client.get("/api/v1/config", headers=bearer(reader)).status_code == 403
    _, exporter = service_token(["config:read"], name="exporter")
    assert client.get("/api/v1/config", headers=bearer(exporter)).status_code == 200
    assert client.post("/api/v1/config", data=_document("201"), headers=bearer(exporter)).status_code == 403
