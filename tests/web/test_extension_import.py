"""Creating many extensions at once: a range, a CSV file; every row or none."""
import io

from appliance.models.extensions import Device, Extension
from appliance.services import Actor, call_profiles


def _upload(client, auth, text, name="ramais.csv"):
    data = {"file": (io.BytesIO(text.encode()), name), "csrf_token": auth.token("/telephony/extensions/new")}
    return client.post("/telephony/extensions/import", data=data, content_type="multipart/form-data")


def test_a_range_creates_every_number_with_its_own_device(auth, client):
    auth.login()
    response = client.post("/telephony/extensions/range",
                           data={"first": "300", "last": "349", "csrf_token": auth.token("/telephony/extensions/new")})
    assert response.status_code == 302
    assert Extension.select().count() == 50 and Device.select().count() == 50
    assert Extension.get(Extension.number == "349").name == "Extension 349"


def test_a_range_overlapping_existing_numbers_creates_nothing(auth, client):
    auth.login()
    token = auth.token("/telephony/extensions/new")
    client.post("/telephony/extensions/range", data={"first": "310", "last": "310", "csrf_token": token})
    response = client.post("/telephony/extensions/range", data={"first": "300", "last": "319", "csrf_token": token})
    assert response.status_code == 422
    assert "Number 310 is already in use (Extension 310)." in response.get_data(as_text=True)
    assert Extension.select().count() == 1


def test_a_csv_file_imports_and_exports_back(auth, client):
    auth.login()
    response = _upload(client, auth, "number,name,enabled\n401,Recepção,yes\n402,\"Vendas, SP\",no\n")
    assert response.status_code == 302
    assert not Extension.get(Extension.number == "402").enabled
    exported = client.get("/telephony/extensions/export.csv")
    assert exported.mimetype == "text/csv"
    assert exported.get_data(as_text=True).splitlines() == [
        "number,name,enabled,email,language,voicemail,max_calls,ring_seconds,call_profile",
        "401,Recepção,yes,,pt_BR,yes,2,25,Padrão", '402,"Vendas, SP",no,,pt_BR,yes,2,25,Padrão']


def test_a_csv_puts_extensions_in_a_call_profile_by_name(auth, client):
    internal = call_profiles.save_profile(call_profiles.ProfileInput("Interno", classes=[]), Actor.system("test"))
    auth.login()
    bad = _upload(client, auth, "number,name,call_profile\n401,Ana,Diretoria\n")
    assert bad.status_code == 422 and "No call profile is named Diretoria." in bad.get_data(as_text=True)
    assert Extension.select().count() == 0
    assert _upload(client, auth, "number,name,call_profile\n401,Ana,interno\n402,Bia,\n").status_code == 302
    assert Extension.get(Extension.number == "401").profile_id == internal.id
    assert Extension.get(Extension.number == "402").profile_id == call_profiles.default_profile().id


def test_a_csv_sets_e_mail_language_voicemail_and_limits_and_round_trips(auth, client):
    auth.login()
    text = ("number,name,email,language,voicemail,max_calls,ring_seconds\n"
            "411,Ana,ana@example.com,en,no,4,30\n412,Bruno,,,,,\n")
    assert _upload(client, auth, text).status_code == 302
    ana, bruno = Extension.get(Extension.number == "411"), Extension.get(Extension.number == "412")
    assert (ana.email, ana.language, ana.voicemail_enabled, ana.max_calls, ana.ring_seconds) == (
        "ana@example.com", "en", False, 4, 30)
    assert (bruno.language, bruno.voicemail_enabled, bruno.max_calls) == ("pt_BR", True, 2)  # empty cells: defaults
    exported = client.get("/telephony/extensions/export.csv").get_data(as_text=True)
    Extension.delete().execute()
    assert _upload(client, auth, exported).status_code == 302  # the export imports back as it was
    assert Extension.get(Extension.number == "411").ring_seconds == 30


def test_a_csv_with_bad_settings_names_the_row_and_imports_nothing(auth, client):
    auth.login()
    text = "number,name,email,max_calls\n421,Ana,not-an-address,2\n422,Bruno,,999\n"
    page = _upload(client, auth, text).get_data(as_text=True)
    assert "<td>2</td><td>Enter a valid e-mail address." in page
    assert "<td>3</td><td>Use a number from 1 to 500." in page
    assert not Extension.select().exists()


def test_a_csv_with_bad_rows_explains_each_and_imports_nothing(auth, client):
    auth.login()
    text = "number,name\n501,Ana\n05,Zero\n501,Again\n190,Polícia\n503,\"Evil\"\" <1>\"\n"
    response = _upload(client, auth, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported: 4 row(s) have errors." in page
    for row, message in ((3, "Use 2 to 8 digits, not starting with 0."), (4, "Number 501 is repeated (row 2)."),
                         (5, "190 is a public emergency or utility number."), (6, "The name cannot contain quotes")):
        assert f"<td>{row}</td><td>{message}" in page
    assert not Extension.select().exists()


def test_a_file_that_is_not_a_csv_of_extensions_is_refused(auth, client):
    auth.login()
    assert "The first row must name the columns" in _upload(client, auth, "a,b\n1,2\n").get_data(as_text=True)
    response = client.post("/telephony/extensions/import", data={
        "file": (io.BytesIO(b"\xff\xfe\x00garbage"), "x.csv"), "csrf_token": auth.token("/telephony/extensions/new")},
        content_type="multipart/form-data")
    assert "The file is not UTF-8 text." in response.get_data(as_text=True)
    assert not Extension.select().exists()


def test_an_oversized_upload_is_refused_in_the_users_language(app, auth, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    auth.login()
    response = _upload(client, auth, "number,name\n" + "".join(f"{600 + i},Ramal\n" for i in range(200)))
    assert response.status_code == 413
    assert "The upload is too large." in response.get_data(as_text=True)
    assert not Extension.select().exists()
