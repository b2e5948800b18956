"""Admin pages for prompts and IVR menus: uploads checked by content, TTS, preview, the menu tree and its warnings."""
import io
import subprocess

import pytest

from appliance import audio
from appliance.models.ivr import Ivr, IvrOption, Prompt
from appliance.services import Actor, extensions, ivrs, prompts

SYSTEM = Actor.system("test")


@pytest.fixture
def library(app, tmp_path):
    prompts.use_directory(tmp_path / "prompts")
    yield tmp_path / "prompts"
    prompts.use_directory(None)


def _wav():
    done = subprocess.run([audio.tool("ffmpeg"), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
                           "sine=frequency=440:duration=1", "-f", "wav", "-"], capture_output=True, check=True)
    return done.stdout


def test_admin_uploads_a_sound_and_hears_it_back(auth, client, library):
    auth.login()
    data = {"up-name": "Boas-vindas", "up-file": (io.BytesIO(_wav()), "welcome.wav"),
            "csrf_token": auth.token("/telephony/prompts")}
    response = client.post("/telephony/prompts/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    prompt = Prompt.get(Prompt.name == "Boas-vindas")
    assert {path.name for path in library.glob(f"p{prompt.id}.*")} == {
        f"p{prompt.id}.{suffix}" for suffix in ("sln", "sln16", "ulaw", "alaw")}
    preview = client.get(f"/telephony/prompts/{prompt.id}/audio")
    assert preview.mimetype == "audio/wav" and preview.data[:4] == b"RIFF"
    assert "Boas-vindas" in client.get("/telephony/prompts").get_data(as_text=True)


def test_a_file_named_mp3_that_is_not_sound_is_refused(auth, client, library):
    auth.login()
    data = {"up-name": "Fake", "up-file": (io.BytesIO(b"#!/bin/sh\necho hi\n" * 10), "song.mp3"),
            "csrf_token": auth.token("/telephony/prompts")}
    response = client.post("/telephony/prompts/upload", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Upload a WAV, MP3, OGG or M4A sound file." in response.get_data(as_text=True)
    assert not Prompt.select().exists() and not list(library.glob("p*"))


def test_the_preview_needs_an_admin(client, app, library):
    prompt = prompts.synthesize_prompt(prompts.PromptInput("Oi", "Olá", "pt-BR"), SYSTEM)
    assert client.get(f"/telephony/prompts/{prompt.id}/audio").status_code in (302, 401, 403)


def test_admin_builds_a_menu_whose_tree_unfolds_and_warns_about_a_deleted_target(auth, client, library):
    for number in ("201", "202"):
        extensions.create(extensions.ExtensionInput(number, f"Ramal {number}"), SYSTEM)
    greeting = prompts.synthesize_prompt(prompts.PromptInput("Menu", "Tecle 1", "en"), SYSTEM)
    sub = ivrs.save_ivr(ivrs.IvrInput(name="Suporte", options={"1": "extension:202"}), SYSTEM)
    auth.login()
    path = "/telephony/ivrs/new"
    data = {"name": "Principal", "number": "7000", "greeting": str(greeting.id), "timeout_seconds": "5",
            "timeout_retries": "2", "invalid_retries": "2", "timeout_prompt": "", "invalid_prompt": "",
            "final_destination": "hangup", "direct_ranges": "", "use_option_1": "1",
            "option_1": "extension:201", "use_option_2": "1", "option_2": f"ivr:{sub.id}",
            "option_3": "extension:202", "csrf_token": auth.token(path)}
    assert client.post(path, data=data).status_code == 302
    main = Ivr.get(Ivr.name == "Principal")
    assert ivrs.options_of(main) == {"1": "extension:201", "2": f"ivr:{sub.id}"}
    # A target gone behind the service's back (as after a restore): the tree says so.
    IvrOption.update(destination="extension:299").where(IvrOption.ivr == sub).execute()
    page = client.get("/telephony/ivrs").get_data(as_text=True)
    assert "<details" in page and "Suporte" in page
    assert "This destination no longer exists" in page


@pytest.mark.parametrize("fields, message", [
    ({"number": "201"}, "Number 201 is already in use ("),
    ({"direct_ranges": "200-2999"}, "Use numbers or ranges like 200-299"),
    ({"timeout_seconds": "0"}, "Use 1 to 60 seconds."),
    ({"option_1": "extension:999"}, "Choose a destination from the list."),
])
def test_bad_menu_input_is_shown_next_to_its_field_and_changes_nothing(auth, client, library, fields, message):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    auth.login()
    path = "/telephony/ivrs/new"
    data = {"name": "Principal", "timeout_seconds": "5", "timeout_retries": "2", "invalid_retries": "2",
            "final_destination": "hangup", "use_option_1": "1", "option_1": "extension:201",
            "csrf_token": auth.token(path), **fields}
    response = client.post(path, data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert not Ivr.select().exists()


def test_a_menu_in_use_cannot_be_deleted(app, library):
    sub = ivrs.save_ivr(ivrs.IvrInput(name="Sub"), SYSTEM)
    ivrs.save_ivr(ivrs.IvrInput(name="Main", options={"5": f"ivr:{sub.id}"}), SYSTEM)
    with pytest.raises(Exception, match="Calls are still sent here by"):
        ivrs.delete_ivr(sub.id, SYSTEM)


def test_a_menu_may_send_a_key_back_to_itself_and_still_be_deleted(app, library):
    menu = ivrs.save_ivr(ivrs.IvrInput(name="Main"), SYSTEM)
    ivrs.save_ivr(ivrs.IvrInput(name="Main", options={"9": f"ivr:{menu.id}"}, final_destination=f"ivr:{menu.id}"),
                  SYSTEM, ivr_id=menu.id)
    assert ivrs.options_of(menu) == {"9": f"ivr:{menu.id}"}
    tree = ivrs.tree(ivrs.get_ivr(menu.id))
    assert [node.repeated for node in tree] == [True, True]
    ivrs.delete_ivr(menu.id, SYSTEM)
    assert not Ivr.select().exists() and not IvrOption.select().exists()
