"""The phonebook tab: personal and shared contacts, the directory, files and click-to-call."""
import io

import pytest

from appliance import phone_numbers
from appliance.models.contacts import Contact, ContactNumber
from appliance.models.extensions import Extension
from appliance.models.users import AuditEntry
from appliance.services import Actor, click_to_call, extensions
from tests.conftest import make_person

PASSWORD = "Correct-Horse-43"
SYSTEM = Actor.system("test")


def _person(username, number, name, language="pt_BR"):
    return make_person(username, number, name, language=language, password=PASSWORD)


@pytest.fixture
def ana(app):
    """Extension 201, Ana, who reads Portuguese."""
    return _person("ana", "201", "Ana Souza")


@pytest.fixture
def bruno(app):
    """Extension 202, Bruno, who reads Portuguese."""
    return _person("bruno", "202", "Bruno Lima")


def _contact(name="Padaria Pão Quente", phone1="(11) 91234-5678", **fields):
    data = {"name": name, "company": "", "email": "", "notes": "", "phone1_type": "mobile", "phone1": phone1,
            "phone2_type": "work", "phone2": "", "phone3_type": "home", "phone3": ""}
    data.update(fields)
    return data


def _post(client, auth, path, data, page="/panel/phonebook"):
    return client.post(path, data={**data, "csrf_token": auth.token(page)})


def _upload(client, auth, content, name, path="/panel/phonebook/import", **fields):
    data = {"file": (io.BytesIO(content), name), "csrf_token": auth.token("/panel/phonebook"), **fields}
    return client.post(path, data=data, content_type="multipart/form-data")


def test_a_person_adds_edits_searches_and_deletes_a_personal_contact(auth, client, ana):
    auth.login("ana", PASSWORD)
    response = _post(client, auth, "/panel/phonebook/new", _contact(company="Padarias <b>SA</b>"))
    assert response.status_code == 302
    contact = Contact.get(Contact.name == "Padaria Pão Quente")
    assert contact.owner_id == ana.id
    assert [n.number for n in contact.numbers] == ["+5511912345678"]

    response = _post(client, auth, f"/panel/phonebook/{contact.id}",
                     _contact(phone1="*43", phone2="11 3333-4444", email="pao@example.com"))
    assert response.status_code == 302
    assert [(n.label, n.number) for n in contact.numbers.order_by(ContactNumber.position)] == [
        ("mobile", "*43"), ("work", "+551133334444")]

    for query in ("pao", "PÃO", "3333-44", "*43"):
        found = client.get("/panel/phonebook", query_string={"q": query}, headers={"HX-Request": "true"})
        assert "Padaria Pão Quente" in found.get_data(as_text=True), query
    missed = client.get("/panel/phonebook", query_string={"q": "farmácia"}, headers={"HX-Request": "true"})
    assert "Padaria" not in missed.get_data(as_text=True)
    assert "<html" not in missed.get_data(as_text=True)  # htmx gets the results only

    page = client.get("/panel/phonebook").get_data(as_text=True)
    assert "(11) 3333-4444" in page and "&lt;b&gt;SA" not in page  # the edit replaced the company

    response = client.post(f"/panel/phonebook/{contact.id}/delete", data={"csrf_token": auth.token()},
                           headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/panel/phonebook"
    assert not Contact.select().exists() and not ContactNumber.select().exists()
    assert not AuditEntry.select().where(AuditEntry.action.startswith("contact.")).exists()  # personal: no audit


def test_markup_in_a_contact_is_shown_as_text(auth, client, ana):
    auth.login("ana", PASSWORD)
    _post(client, auth, "/panel/phonebook/new", _contact(name="<script>alert(1)</script>'; DROP TABLE x;--"))
    page = client.get("/panel/phonebook").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#39;; DROP TABLE x;--" in page
    assert "<script>alert(1)" not in page


def test_nobody_sees_or_changes_another_extensions_personal_contacts(auth, client, ana, bruno):
    auth.login("ana", PASSWORD)
    _post(client, auth, "/panel/phonebook/new", _contact(name="Segredo da Ana"))
    secret = Contact.get(Contact.name == "Segredo da Ana")
    client.post("/logout", data={"csrf_token": auth.token()})

    auth.login("bruno", PASSWORD)
    assert "Segredo da Ana" not in client.get("/panel/phonebook?q=segredo").get_data(as_text=True)
    assert client.get("/panel/phonebook?ext=201").status_code == 403
    assert client.get(f"/panel/phonebook/{secret.id}").status_code == 404
    assert _post(client, auth, f"/panel/phonebook/{secret.id}", _contact(name="Hacked")).status_code == 404
    assert _post(client, auth, f"/panel/phonebook/{secret.id}/delete", {}).status_code == 404
    assert client.get("/panel/phonebook/export.csv?ext=201").status_code == 403
    assert "Segredo" not in client.get("/panel/phonebook/export.csv").get_data(as_text=True)
    assert Contact.get_by_id(secret.id).name == "Segredo da Ana"


def test_only_admins_change_shared_contacts_and_every_change_is_audited(auth, client, ana):
    auth.login()
    assert _post(client, auth, "/panel/phonebook/new?ext=201&scope=shared", _contact(name="Suporte TI"),
                 page="/panel/phonebook?ext=201").status_code == 302
    shared = Contact.get(Contact.name == "Suporte TI")
    assert shared.owner_id is None
    assert _post(client, auth, f"/panel/phonebook/{shared.id}?ext=201", _contact(name="Suporte de TI"),
                 page="/panel/phonebook?ext=201").status_code == 302
    client.post("/logout", data={"csrf_token": auth.token()})

    auth.login("ana", PASSWORD)
    page = client.get("/panel/phonebook").get_data(as_text=True)
    assert "Suporte de TI" in page and f"/panel/phonebook/{shared.id}\"" not in page  # shown, not editable
    assert client.get("/panel/phonebook/new?scope=shared").status_code == 403
    assert client.get(f"/panel/phonebook/{shared.id}").status_code == 403
    assert _post(client, auth, f"/panel/phonebook/{shared.id}", _contact(name="Mine now")).status_code == 403
    assert _post(client, auth, f"/panel/phonebook/{shared.id}/delete", {}).status_code == 403
    assert _upload(client, auth, b"name\nIntruso\n", "x.csv", scope="shared").status_code == 403
    assert Contact.get_by_id(shared.id).name == "Suporte de TI"
    actions = [e.action for e in AuditEntry.select().where(AuditEntry.action.startswith("contact."))]
    assert actions == ["contact.create", "contact.update"]


def test_a_bad_number_is_explained_in_portuguese_and_nothing_is_saved(auth, client, ana):
    auth.login("ana", PASSWORD)
    response = _post(client, auth, "/panel/phonebook/new", _contact(phone1="12ab"))
    assert response.status_code == 422
    assert "12ab não é um número de telefone" in response.get_data(as_text=True)
    response = _post(client, auth, "/panel/phonebook/new", _contact(name="  ", email="not-an-email"))
    page = response.get_data(as_text=True)
    assert "Informe um nome." in page and "Informe um endereço de e-mail válido." in page
    assert not Contact.select().exists()


@pytest.mark.parametrize("kind", ["csv", "vcf", "vcf4"])
def test_an_export_imports_back_into_another_phonebook(auth, client, ana, bruno, kind):
    auth.login("ana", PASSWORD)
    _post(client, auth, "/panel/phonebook/new",
          _contact(name="João da Silva", company="ACME, Ltda", email="joao@example.com", notes="linha 1\nlinha 2",
                   phone2="+1 650 253 0000", phone3="*43", phone3_type="other"))
    _post(client, auth, "/panel/phonebook/new", _contact(name="=cmd|' /C calc'!A0", phone1="202"))
    exported = client.get(f"/panel/phonebook/export.{kind}")
    assert exported.mimetype == ("text/csv" if kind == "csv" else "text/vcard")
    client.post("/logout", data={"csrf_token": auth.token()})

    auth.login("bruno", PASSWORD)
    response = _upload(client, auth, exported.get_data(), f"contatos.{kind[:3]}")
    assert response.status_code == 302
    mine = {c.name: c for c in Contact.select().where(Contact.owner == bruno.id)}
    assert set(mine) == {"João da Silva", "=cmd|' /C calc'!A0"}
    joao = mine["João da Silva"]
    assert (joao.company, joao.email, joao.notes) == ("ACME, Ltda", "joao@example.com", "linha 1\nlinha 2")
    assert [(n.label, n.number) for n in joao.numbers.order_by(ContactNumber.position)] == [
        ("mobile", "+5511912345678"), ("work", "+16502530000"), ("other", "*43")]


def test_a_file_with_bad_rows_lists_each_in_portuguese_and_imports_nothing(auth, client, ana):
    auth.login("ana", PASSWORD)
    text = "name,phone1\nBoa,11 91234-5678\n,201\nRuim,12ab\n"
    response = _upload(client, auth, text.encode(), "contatos.csv")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nada foi importado: 2 linha(s) com erro." in page
    assert "<td>3</td><td>Informe um nome.</td>" in page
    assert "<td>4</td><td>12ab não é um número de telefone" in page
    assert not Contact.select().exists()


@pytest.mark.parametrize("content, name, message", [
    (b"BEGIN:VCARD\nVERSION:3.0\nFN:Sem fim\n", "x.vcf", "O arquivo não é um vCard válido"),
    (b"a,b\n1,2\n", "x.csv", "A primeira linha deve nomear as colunas"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "x.csv", "O arquivo não é um arquivo de texto"),
    (b"name\n" + b"x" * (512 * 1024), "big.csv", "O arquivo tem mais de 512 KB."),
])
def test_a_malformed_or_oversized_file_is_refused_in_portuguese(auth, client, ana, content, name, message):
    auth.login("ana", PASSWORD)
    response = _upload(client, auth, content, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert not Contact.select().exists()


def test_the_directory_shows_presence_and_do_not_disturb_in_portuguese(auth, client, ana, bruno):
    Extension.update(presence="lunch", dnd=True).where(Extension.id == bruno.id).execute()
    extensions.create(extensions.ExtensionInput("203", "Carla Dias"), SYSTEM)
    Extension.update(presence="custom", presence_text="Em reunião até 15h").where(
        Extension.number == "203").execute()
    extensions.create(extensions.ExtensionInput("204", "Desligado"), SYSTEM)
    Extension.update(enabled=False).where(Extension.number == "204").execute()
    auth.login("ana", PASSWORD)
    page = client.get("/panel/phonebook", query_string={"q": "bruno"}).get_data(as_text=True)
    directory = page.split('id="directory"')[1]
    assert "Bruno Lima" in directory and "Almoço" in directory and "Não perturbe" in directory
    assert "Carla" not in directory
    page = client.get("/panel/phonebook", query_string={"q": "20"}).get_data(as_text=True)
    assert "Em reunião até 15h" in page and "(você)" in page
    assert "Desligado" not in page  # disabled extensions are not in the directory


class FakeCalls:
    """Stands in for the AMI: records calls, or fails like a stopped Asterisk."""

    def __init__(self):
        self.calls, self.fail = [], False

    def __call__(self, extension, number, actor):
        number = phone_numbers.dialable(number)
        if self.fail:
            raise click_to_call.CallFailed("The phone system is not running: the call cannot be placed.")
        self.calls.append((extension.number, number, actor.username))
        return "action-1"


def test_click_to_call_says_the_phone_rings_first_or_why_it_cannot(auth, client, ana, monkeypatch):
    fake = FakeCalls()
    monkeypatch.setattr(click_to_call, "call", fake)
    auth.login("ana", PASSWORD)
    token = auth.token("/panel/phonebook")
    response = client.post("/panel/phonebook/call", data={"number": "+5511912345678", "csrf_token": token},
                           headers={"HX-Request": "true"})
    assert "Ligando para (11) 91234-5678… seu telefone tocará primeiro." in response.get_data(as_text=True)
    assert fake.calls == [("201", "+5511912345678", "ana")]

    response = client.post("/panel/phonebook/call", data={"number": "11; Dial(x)", "csrf_token": token},
                           headers={"HX-Request": "true"})
    assert "Disque apenas dígitos" in response.get_data(as_text=True)
    fake.fail = True
    response = client.post("/panel/phonebook/call", data={"number": "202", "csrf_token": token},
                           headers={"HX-Request": "true"})
    assert "O sistema telefônico não está funcionando" in response.get_data(as_text=True)
    assert len(fake.calls) == 1


def test_click_to_call_is_limited_per_person_in_the_shared_database(auth, client, ana):
    auth.login("ana", PASSWORD)
    token = auth.token("/panel/phonebook")
    answers = [client.post("/panel/phonebook/call", data={"number": "202", "csrf_token": token},
                           headers={"HX-Request": "true"}).get_data(as_text=True)
               for _ in range(click_to_call.CALLS_PER_MINUTE + 1)]
    assert all("não está funcionando" in answer for answer in answers[:-1])  # no engine in this test
    assert "Chamadas demais em um minuto: aguarde" in answers[-1]


def test_click_to_call_without_an_engine_is_a_clear_error(ana):
    with pytest.raises(click_to_call.CallFailed, match="not running"):
        click_to_call.call(ana, "202", SYSTEM)
    with pytest.raises(click_to_call.ValidationError):
        click_to_call.call(ana, "x" * 33, SYSTEM)


def test_a_desk_phone_directory_holds_the_company_shared_and_its_own_contacts(ana, bruno):
    from appliance.services import phonebook, phones

    phonebook.create(None, phonebook.ContactInput("Suporte TI", numbers=[("work", "11 3333-4444")]), SYSTEM,
                     shared=True)
    phonebook.create(ana, phonebook.ContactInput("Mãe", numbers=[("mobile", "11 91234-5678"), ("home", "5001")]),
                     SYSTEM)
    phonebook.create(bruno, phonebook.ContactInput("Segredo do Bruno", numbers=[("mobile", "303")]), SYSTEM)
    entries = [(entry.name, entry.number) for entry in phones.directory_entries(ana)]
    assert entries == [("Ana Souza", "201"), ("Bruno Lima", "202"), ("Mãe", "+5511912345678"), ("Mãe (2)", "5001"),
                       ("Suporte TI", "+551133334444")]
