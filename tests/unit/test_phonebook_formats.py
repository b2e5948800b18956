"""Phonebook files (CSV, vCard 3.0 and 4.0) and phone number normalization, without a database."""
import pytest

from appliance.phone_numbers import display as display_number
from appliance.phone_numbers import normalize as normalize_number
from appliance.services import phonebook_formats as formats
from appliance.services.phonebook_formats import ContactInput, ImportRejected

ANA = ContactInput("Ana Souza", "ACME; Ltda", "ana@example.com", "linha 1\nlinha 2",
                   [("mobile", "+5511912345678"), ("work", "*43"), ("home", "201")])


@pytest.mark.parametrize("typed, stored", [
    ("11 91234-5678", "+5511912345678"),
    ("(11) 3333-4444", "+551133334444"),
    ("+1 650 253 0000", "+16502530000"),
    ("0800 123 4567", "+558001234567"),
    ("201", "201"),
    ("190", "190"),
    ("*43", "*43"),
    ("#21#", "#21#"),
    ("abc", None),
    ("+55 11 1", None),
    ("1234567890123", None),
    ("", None),
])
def test_numbers_are_stored_in_e164_unless_internal(typed, stored):
    assert normalize_number(typed) == stored


def test_numbers_are_shown_nationally_at_home_and_internationally_abroad():
    assert display_number("+5511912345678") == "(11) 91234-5678"
    assert display_number("+16502530000") == "+1 650-253-0000"
    assert display_number("*43") == "*43"


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_a_vcard_export_reads_back_the_same(version):
    text = formats.export_vcard([ANA], version)
    assert f"VERSION:{version}" in text
    assert formats.parse_vcard(text, 10) == [(1, ANA)]


def test_vcard_4_writes_public_numbers_as_tel_uris():
    text = formats.export_vcard([ANA], "4.0")
    assert "TEL;TYPE=cell;VALUE=uri:tel:+5511912345678" in text
    assert "TEL;TYPE=work:*43" in text


def test_a_vcard_from_a_phone_maps_types_and_builds_the_name_from_n():
    text = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Silva;João;;;\r\nTEL;TYPE=CELL,VOICE:+55 21 98765-4321\r\n"
            "TEL;TYPE=FAX:2133334444\r\nORG:Padaria;Filial Centro\r\nEND:VCARD\r\n"
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Bob\r\nTEL;VALUE=uri;TYPE=\"work,voice\":tel:+1-650-253-0000;ext=1\r\n"
            "END:VCARD\r\n")
    (_, joao), (_, bob) = formats.parse_vcard(text, 10)
    assert joao == ContactInput("João Silva", "Padaria, Filial Centro", "", "",
                                [("mobile", "+55 21 98765-4321"), ("other", "2133334444")])
    assert bob.numbers == [("work", "+1-650-253-0000")]


@pytest.mark.parametrize("text, message", [
    ("BEGIN:VCARD\nVERSION:3.0\nFN:x\n", "The file is not a valid vCard"),
    ("BEGIN:VCARD\nVERSION:5.0\nFN:x\nEND:VCARD\n", "vCard version %(version)s is not supported."),
    ("BEGIN:VCALENDAR\nEND:VCALENDAR\n", "The file holds something other than vCards"),
])
def test_a_malformed_vcard_is_refused_with_a_reason(text, message):
    with pytest.raises(ImportRejected) as caught:
        formats.parse_vcard(text, 10)
    assert caught.value.errors[0].message.startswith(message)


def test_a_csv_export_reads_back_the_same():
    text = formats.export_csv([ANA])
    assert text.splitlines()[0] == ",".join(formats.CSV_COLUMNS)
    assert formats.parse_csv(text, 10) == [(2, ANA)]


def test_a_spreadsheet_in_portuguese_with_semicolons_is_understood():
    rows = formats.parse_csv("Nome;Empresa;Telefone;Tipo\nJoão;Padaria;11 91234-5678;Celular\n\n", 10)
    assert rows == [(2, ContactInput("João", "Padaria", numbers=[("mobile", "11 91234-5678")]))]


def test_formulas_are_defused_in_the_export_and_restored_on_import():
    evil = ContactInput("=HYPERLINK(\"http://x\")", "@corp", "", "-1", [])
    text = formats.export_csv([evil])
    assert "'=HYPERLINK" in text and ",'@corp," in text
    assert formats.parse_csv(text, 10)[0][1] == evil


def test_a_csv_without_a_name_column_or_with_too_many_rows_is_refused():
    with pytest.raises(ImportRejected, match="name the columns"):
        formats.parse_csv("a,b\n1,2\n", 10)
    with pytest.raises(ImportRejected) as caught:
        formats.parse_csv("name\n" + "x\n" * 3, 2)
    assert caught.value.errors[0].row == 4


def test_files_from_excel_are_read_in_their_encoding_and_binary_files_are_refused():
    assert formats.decode("\ufeffnome;empresa\nJoão;Pão".encode()) == "nome;empresa\nJoão;Pão"
    assert formats.decode("nome\tempresa\nJoão".encode("utf-16")) == "nome\tempresa\nJoão"
    assert formats.decode("nome;empresa\nJoão;Pão".encode("cp1252")) == "nome;empresa\nJoão;Pão"
    with pytest.raises(ImportRejected, match="not a text file"):
        formats.decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
