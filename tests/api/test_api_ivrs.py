"""Prompts and IVR menus through the API: TTS and multipart uploads, the audio, menus with keys, scopes."""
import io
import subprocess

import pytest

from appliance import audio
from appliance.models.ivr import Ivr
from appliance.services import Actor, extensions, prompts
from tests.api.conftest import bearer, service_token

PROBLEM = "application/problem+json"
SYSTEM = Actor.system("test")


@pytest.fixture
def headers(app, tmp_path):
    prompts.use_directory(tmp_path / "prompts")
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    yield bearer(service_token()[1])
    prompts.use_directory(None)


def _ogg():
    return subprocess.run([audio.tool("ffmpeg"), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                           "sine=frequency=300:duration=1", "-c:a", "libvorbis", "-f", "ogg", "-"],
                          capture_output=True, check=True).stdout


def test_a_menu_plays_an_uploaded_and_a_spoken_prompt(client, headers):
    spoken = client.post("/api/v1/prompts", json={"name": "Oi", "text": "Bem-vindo", "language": "pt-BR"},
                         headers=headers)
    assert spoken.status_code == 201 and spoken.json["source"] == "tts" and spoken.json["duration"] > 0.3
    uploaded = client.post("/api/v1/prompts/upload", query_string={"name": "Tom"},
                           data={"file": (io.BytesIO(_ogg()), "tone.ogg")}, content_type="multipart/form-data",
                           headers=headers)
    assert uploaded.status_code == 201, uploaded.json
    wav = client.get(f"/api/v1/prompts/{uploaded.json['id']}/audio", headers=headers)
    assert wav.mimetype == "audio/wav" and wav.data[:4] == b"RIFF"
    menu = client.post("/api/v1/ivrs", json={
        "name": "Principal", "number": "7000", "greeting": spoken.json["id"], "invalid_prompt": uploaded.json["id"],
        "options": {"1": "extension:201", "#": "hangup"}, "direct_dial": True, "direct_ranges": "200-299"},
        headers=headers)
    assert menu.status_code == 201, menu.json
    assert menu.json["options"] == {"1": "extension:201", "#": "hangup"}
    # A prompt a menu plays cannot go.
    gone = client.delete(f"/api/v1/prompts/{spoken.json['id']}", headers=headers)
    assert gone.status_code == 422 and gone.content_type == PROBLEM


@pytest.mark.parametrize("body, field", [
    ({"name": "M", "options": {"1": "extension:999"}}, "option_1"),
    ({"name": "M", "greeting": 999}, "greeting"),
    ({"name": "M", "direct_ranges": "20-2999"}, "direct_ranges"),
    ({"name": "M", "number": "201"}, "number"),
])
def test_bad_menus_are_per_field_problems(client, headers, body, field):
    response = client.post("/api/v1/ivrs", json=body, headers={**headers, "Accept-Language": "en"})
    assert response.status_code == 422 and response.content_type == PROBLEM
    assert set(response.json["errors"]) == {field}
    assert not Ivr.select().exists()


def test_a_text_file_posing_as_sound_is_refused(client, headers):
    response = client.post("/api/v1/prompts/upload", query_string={"name": "X"},
                           data={"file": (io.BytesIO(b"hello " * 100), "x.m4a")}, content_type="multipart/form-data",
                           headers=headers)
    assert response.status_code == 422 and set(response.json["errors"]) == {"file"}


def test_menus_need_the_ivr_scopes(client, app):
    token = bearer(service_token(scopes=["groups:read"])[1])
    assert client.get("/api/v1/ivrs", headers=token).status_code == 403
    assert client.get("/api/v1/prompts", headers=token).status_code == 403
