"""Finding 12: hostile phonebook files get a clear refusal and store nothing; no CSV export runs a formula."""
import csv
import io
import re
from pathlib import Path

import pytest

from appliance import csvsafe
from appliance.models.contacts import Contact
from appliance.services import Actor, extensions, phonebook
from tests.conftest import PERSON_PASSWORD, make_person

ROOT = Path(__file__).resolve().parents[2]
SYSTEM = Actor.system("test")
#: The payload of the finding, and the other classic ones (OWASP "CSV Injection").
FORMULAS = ["=cmd| /C calc!A0", "@SUM(1+9)*cmd| /C calc!A0", "+1+cmd| /C calc!A0", "-2+3+cmd| /C calc!A0",
            "\t=1+1"]


def _card(name):
    return f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nTEL;TYPE=cell:+55119{len(name):08d}\r\nEND:VCARD\r\n"


def _upload(client, auth, content, name, **fields):
    data = {"file": (io.BytesIO(content), name), "csrf_token": auth.token("/panel/phonebook"), **fields}
    return client.post("/panel/phonebook/import", data=data, content_type="multipart/form-data")


@pytest.fixture
def ana(app, auth):
    """Extension 201, whose owner reads Portuguese, logged in."""
    extension = make_person("ana", "201")
    auth.login("ana", PERSON_PASSWORD)
    return extension


def test_a_vcard_nested_a_thousand_deep_is_refused_in_portuguese_not_a_500(client, auth, ana):
    depth = 3000
    text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n" * depth + "END:VCARD\r\n" * depth
    response = _upload(client, auth, text.encode(), "bomba.vcf")
    assert response.status_code == 422
    assert "O arquivo tem vCards dentro de vCards" in response.get_data(as_text=True)
    assert not Contact.select().exists()


def test_nesting_hidden_by_line_folding_and_groups_is_refused_too(client, auth, ana):
    text = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n" + "item1.BEG\r\n IN:VCARD\r\n" * 3000 + "END:VCARD\r\n" * 3001
    response = _upload(client, auth, text.encode(), "bomba.vcf")
    assert response.status_code == 422 and "vCards dentro de vCards" in response.get_data(as_text=True)


def test_an_import_past_the_phonebooks_size_is_refused_whole(app, client, auth, ana):
    app.config["PHONEBOOK_MAX_CONTACTS"] = 10
    phonebook.import_file(ana, "".join(_card(f"Pessoa {n}") for n in range(4)).encode(), SYSTEM,
                          limits=phonebook.Limits.from_settings(app.config))
    response = _upload(client, auth, "".join(_card(f"Nova {n}") for n in range(7)).encode(), "lote.vcf")
    assert response.status_code == 422
    assert "A agenda tem 4 contatos e comporta no máximo 10: este arquivo adicionaria 7." in response.get_data(
        as_text=True)
    assert Contact.select().count() == 4


def test_a_file_with_more_contacts_than_a_phonebook_holds_stops_being_read_at_the_limit(app, client, auth, ana):
    app.config["PHONEBOOK_MAX_CONTACTS"] = 50
    text = "name,phone1\n" + "".join(f"Pessoa {n},1191234{n:04d}\n" for n in range(5000))
    response = _upload(client, auth, text.encode(), "enorme.csv")
    assert response.status_code == 422 and "no máximo 50 contatos" in response.get_data(as_text=True)
    assert not Contact.select().exists()


def test_a_file_over_the_size_limit_is_refused_in_portuguese(app, client, auth, ana):
    app.config["PHONEBOOK_MAX_FILE_KB"] = 8
    response = _upload(client, auth, b"name\n" + b"x" * (8 * 1024), "grande.csv")
    assert response.status_code == 422 and "O arquivo tem mais de 8 KB." in response.get_data(as_text=True)
    assert not Contact.select().exists()


def test_a_full_phonebook_takes_no_new_contact_from_the_form(app, client, auth, ana):
    app.config["PHONEBOOK_MAX_CONTACTS"] = 1
    form = {"name": "Primeiro", "company": "", "email": "", "notes": "", "phone1_type": "mobile", "phone1": "201",
            "phone2_type": "work", "phone2": "", "phone3_type": "home", "phone3": ""}
    assert client.post("/panel/phonebook/new", data={**form, "csrf_token": auth.token()}).status_code == 302
    response = client.post("/panel/phonebook/new", data={**form, "name": "Segundo", "csrf_token": auth.token()})
    assert response.status_code == 422
    assert "Esta agenda está cheia: ela comporta no máximo 1 contatos." in response.get_data(as_text=True)
    assert Contact.select().count() == 1


@pytest.mark.parametrize("name", [formula for formula in FORMULAS if "\t" not in formula])
def test_the_extensions_export_never_hands_a_spreadsheet_a_formula(auth, client, name):
    extensions.create(extensions.ExtensionInput("230", name), SYSTEM)
    auth.login()
    response = client.get("/telephony/extensions/export.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[1][1] == "'" + name


def test_a_defused_export_imports_back_unchanged():
    out = io.StringIO()
    csvsafe.writer(out).writerows([[formula, "+5511912345678", -5, "Ana"] for formula in FORMULAS])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert all(not row[0].startswith(csvsafe.FORMULA_STARTS) for row in rows)
    assert [(csvsafe.restore(row[0]), row[1], row[2]) for row in rows] == [(f, "+5511912345678", "-5")
                                                                          for f in FORMULAS]


def test_every_csv_the_app_writes_goes_through_the_shared_defusing_writer():
    writers = [path.relative_to(ROOT) for folder in ("appliance", "web", "provisioning")
               for path in (ROOT / folder).rglob("*.py")
               if re.search(r"\bcsv\.(writer|DictWriter)\(", path.read_text()) and path.name != "csvsafe.py"]
    assert writers == []

