"""The Configuration as YAML page: download, check an upload (a dry run), apply it; errors by path; admins only."""
import io

import yaml

from appliance.models.extensions import Extension
from appliance.models.users import User
from appliance.services import Actor, extensions
from tests.conftest import PERSON_PASSWORD, make_person

SYSTEM = Actor.system("test")
PAGE = "/telephony/config"


def _document(*numbers):
    return yaml.safe_dump({"version": 1, "extensions": [{"number": n, "name": f"Ramal {n}"} for n in numbers]})


def test_download_check_then_apply_shows_new_passwords_once(auth, client):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    auth.login()
    page = client.get(PAGE)
    assert page.status_code == 200 and "Configuration as YAML" in page.get_data(as_text=True)
    download = client.get(f"{PAGE}/export.yaml")
    assert download.mimetype == "application/yaml" and "attachment" in download.headers["Content-Disposition"]
    assert yaml.safe_load(download.data)["extensions"][0]["name"] == "Ana"

    upload = {"file": (io.BytesIO(_document("201", "202").encode()), "config.yaml"), "csrf_token": auth.token(PAGE)}
    preview = client.post(PAGE, data=upload, content_type="multipart/form-data")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Created: 1, changed: 1, deleted: 0, unchanged: 0." in html and 'id="apply-form"' in html
    assert Extension.select().count() == 1  # only checked

    applied = client.post(PAGE, data={"document": _document("201", "202"), "apply": "1",
                                      "csrf_token": auth.token(PAGE)})
    html = applied.get_data(as_text=True)
    assert "The configuration was applied." in html
    device = Extension.get(Extension.number == "202").devices.get()
    assert device.sip_password in html  # shown this once
    assert Extension.get(Extension.number == "201").name == "Ramal 201"
    assert device.sip_password not in client.get(PAGE).get_data(as_text=True)


def test_errors_are_listed_by_path_in_portuguese_and_nothing_changes(auth, client):
    extensions.create(extensions.ExtensionInput("210", "Bia"), SYSTEM)
    User.update(language="pt_BR").where(User.username == "admin").execute()
    auth.login()
    text = yaml.safe_dump({"version": 1, "extensions": [{"number": "220", "name": "Ok"},
                                                        {"number": "221", "name": "Mau", "ring_seconds": 1}]})
    answer = client.post(PAGE, data={"document": text, "csrf_token": auth.token(PAGE)})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "extensions[1].ring_seconds" in html and "Valor fora do intervalo permitido." in html
    assert Extension.select().count() == 1


def test_a_prune_check_lists_what_would_be_deleted(auth, client):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    extensions.create(extensions.ExtensionInput("202", "Bia"), SYSTEM)
    auth.login()
    answer = client.post(PAGE, data={"document": _document("201"), "prune": "on", "csrf_token": auth.token(PAGE)})
    html = answer.get_data(as_text=True)
    assert "deleted: 1" in html and "202" in html
    assert Extension.select().count() == 2


def test_people_who_are_not_admins_are_kept_out(client, auth):
    make_person("ana", "201")
    auth.login("ana", PERSON_PASSWORD)
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}/export.yaml").status_code == 403
