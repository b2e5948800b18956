"""Music on hold through the API: a class, a multipart upload, a queue playing it, deletes, scopes."""
import io
import subprocess

import pytest

from appliance import audio
from appliance.services import music_on_hold
from tests.api.conftest import bearer, service_token


@pytest.fixture
def headers(app, tmp_path):
    music_on_hold.use_directory(tmp_path / "moh")
    yield bearer(service_token()[1])
    music_on_hold.use_directory(None)


def _m4a(folder):
    path = folder / "tom.m4a"  # the MP4 muxer seeks: a file, not a pipe
    subprocess.run([audio.tool("ffmpeg"), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                    "sine=frequency=300:duration=1", "-c:a", "aac", str(path)], check=True)
    return path.read_bytes()


def test_a_class_gets_a_sound_and_a_queue_plays_it(client, headers, tmp_path):
    created = client.post("/api/v1/moh-classes", json={"name": "Espera"}, headers=headers)
    assert created.status_code == 201, created.json
    class_id, musicclass = created.json["id"], created.json["musicclass"]
    assert musicclass == f"cn-moh-{class_id}" and created.json["files"] == []
    sound = client.post(f"/api/v1/moh-classes/{class_id}/files", data={"file": (io.BytesIO(_m4a(tmp_path)), "tom.m4a")},
                        content_type="multipart/form-data", headers=headers)
    assert sound.status_code == 201, sound.json
    assert sound.json["name"] == "tom.m4a" and sound.json["duration"] > 0.5
    read = client.get(f"/api/v1/moh-classes/{class_id}", headers=headers)
    assert [f["id"] for f in read.json["files"]] == [sound.json["id"]]
    queue = client.post("/api/v1/queues", json={"number": "650", "name": "Vendas", "moh_class": musicclass},
                        headers=headers)
    assert queue.status_code == 201, queue.json
    refused = client.delete(f"/api/v1/moh-classes/{class_id}", headers=headers)
    assert refused.status_code == 422
    bad = client.post("/api/v1/queues", json={"number": "651", "name": "X", "moh_class": "cn-moh-999"},
                      headers=headers)
    assert bad.status_code == 422 and set(bad.json["errors"]) == {"moh_class"}
    gone = client.delete(f"/api/v1/moh-classes/{class_id}/files/{sound.json['id']}", headers=headers)
    assert gone.status_code == 204
    assert client.get(f"/api/v1/moh-classes/{class_id}", headers=headers).json["files"] == []


def test_a_text_file_is_a_problem_on_the_file_field(client, headers):
    class_id = client.post("/api/v1/moh-classes", json={"name": "A"}, headers=headers).json["id"]
    response = client.post(f"/api/v1/moh-classes/{class_id}/files", data={"file": (io.BytesIO(b"hi " * 99), "a.ogg")},
                           content_type="multipart/form-data", headers=headers)
    assert response.status_code == 422 and set(response.json["errors"]) == {"file"}


def test_music_needs_the_queue_scopes(client, app):
    token = bearer(service_token(scopes=["groups:read"])[1])
    assert client.get("/api/v1/moh-classes", headers=token).status_code == 403
