"""Music-on-hold pages: an admin creates a class, uploads a sound, a queue chooses it; others are turned away."""
import io
import subprocess

import pytest

from appliance import audio
from appliance.models.moh import MohClass, MohFile
from appliance.services import Actor, music_on_hold
from tests.conftest import PERSON_PASSWORD, make_person


@pytest.fixture
def library(app, tmp_path):
    music_on_hold.use_directory(tmp_path / "moh")
    yield tmp_path / "moh"
    music_on_hold.use_directory(None)


def _mp3():
    return subprocess.run([audio.tool("ffmpeg"), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                           "sine=frequency=440:duration=1", "-f", "mp3", "-"], capture_output=True, check=True).stdout


def test_admin_creates_a_class_uploads_a_sound_and_a_queue_offers_it(auth, client, library):
    auth.login()
    response = client.post("/callcenter/music", data={"name": "Bossa", "csrf_token": auth.token("/callcenter/music")})
    assert response.status_code == 302, response.get_data(as_text=True)
    music = MohClass.get(MohClass.name == "Bossa")
    page = f"/callcenter/music/{music.id}"
    response = client.post(f"{page}/upload", data={"up-file": (io.BytesIO(_mp3()), "tema.mp3"),
                                                   "csrf_token": auth.token(page)},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    assert MohFile.get(MohFile.moh_class == music).name == "tema.mp3"
    assert "tema.mp3" in client.get(page).get_data(as_text=True)
    assert f'value="cn-moh-{music.id}"' in client.get("/callcenter/queues/new").get_data(as_text=True)


def test_a_text_file_is_refused_next_to_the_field(auth, client, library):
    auth.login()
    music = music_on_hold.save_class(music_on_hold.MohClassInput("X"), Actor.system("test"))
    page = f"/callcenter/music/{music.id}"
    response = client.post(f"{page}/upload", data={"up-file": (io.BytesIO(b"hello " * 100), "a.wav"),
                                                   "csrf_token": auth.token(page)},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Upload a WAV, MP3, OGG or M4A sound file." in response.get_data(as_text=True)
    assert not MohFile.select().exists()


def test_people_who_are_not_admins_are_turned_away(auth, client, app):
    make_person("ana", "201")
    auth.login("ana", PERSON_PASSWORD)
    assert client.get("/callcenter/music").status_code in (302, 403, 404)
