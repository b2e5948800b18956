"""VoiceBots through the API: create with intents, the phrase and clip tests, refused input, deletion guard, scopes."""
import io

import pytest

from appliance.services import Actor, extensions
from tests.api.conftest import bearer, service_token
from tests.clips import spoken_file

SYSTEM = Actor.system("test")


@pytest.fixture
def headers(app):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    return bearer(service_token()[1])


BOT = {"name": "Atendente", "language": "en", "fallback_destination": "extension:201", "threshold": 60,
       "intents": [{"name": "sales", "phrases": "I want to buy\nsales please", "keywords": "sales, buy",
                    "destination": "extension:201"},
                   {"name": "confirm", "keywords": "confirm", "slot": "yes_no", "destination": "hangup"}]}


def test_a_bot_is_created_tried_and_read_back(client, headers):
    created = client.post("/api/v1/bots", json=BOT, headers=headers)
    assert created.status_code == 201, created.json
    bot_id = created.json["id"]
    assert [i["name"] for i in created.json["intents"]] == ["sales", "confirm"]
    tried = client.post(f"/api/v1/bots/{bot_id}/try", json={"phrase": "yes I confirm"}, headers=headers)
    assert tried.status_code == 200 and tried.json["winner"] == "confirm" and tried.json["slot_value"] == "yes"
    assert client.get(f"/api/v1/bots/{bot_id}/calls", headers=headers).json["items"] == []
    assert client.get(f"/api/v1/bots/{bot_id}", headers=headers).json["fallback_destination"] == "extension:201"


def test_an_intent_to_nowhere_is_refused(client, headers):
    body = {**BOT, "intents": [{"name": "x", "keywords": "x", "destination": "extension:999"}]}
    response = client.post("/api/v1/bots", json=body, headers=headers)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_a_bot_in_use_is_not_deleted(client, headers):
    bot_id = client.post("/api/v1/bots", json=BOT, headers=headers).json["id"]
    other = {**BOT, "name": "Outro", "fallback_destination": f"bot:{bot_id}"}
    assert client.post("/api/v1/bots", json=other, headers=headers).status_code == 201
    assert client.delete(f"/api/v1/bots/{bot_id}", headers=headers).status_code == 422


def test_reading_needs_the_bots_scope(client, app):
    token = bearer(service_token(scopes=["ivr:read"])[1])
    assert client.get("/api/v1/bots", headers=token).status_code == 403


def test_an_uploaded_clip_is_heard_and_scored(client, headers, tmp_path):
    bot_id = client.post("/api/v1/bots", json=BOT, headers=headers).json["id"]
    clip = spoken_file(tmp_path, "I want to buy something", "ogg")
    tried = client.post(f"/api/v1/bots/{bot_id}/try-audio", data={"file": (io.BytesIO(clip.read_bytes()), "a.ogg")},
                        content_type="multipart/form-data", headers=headers)
    assert tried.status_code == 200, tried.json
    assert tried.json["winner"] == "sales" and "buy" in tried.json["text"], tried.json
    assert [score["intent"] for score in tried.json["scores"]] == ["sales", "confirm"]
    assert client.get(f"/api/v1/bots/{bot_id}/calls", headers=headers).json["items"] == []


def test_a_clip_that_is_not_sound_is_refused_by_field(client, headers):
    bot_id = client.post("/api/v1/bots", json=BOT, headers=headers).json["id"]
    refused = client.post(f"/api/v1/bots/{bot_id}/try-audio", data={"file": (io.BytesIO(b"hello " * 100), "a.m4a")},
                          content_type="multipart/form-data", headers=headers)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert set(refused.json["errors"]) == {"file"}
    missing = client.post("/api/v1/bots/999/try-audio", data={"file": (io.BytesIO(b"RIFF"), "a.wav")},
                          content_type="multipart/form-data", headers=headers)
    assert missing.status_code == 404
