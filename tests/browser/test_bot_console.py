"""The VoiceBot's test console in a real browser: an uploaded clip is heard (HTMX multipart), a refused file's
422 is swapped in with its reason."""
from playwright.sync_api import expect

from appliance.services import Actor, bots, extensions, prompts
from tests.browser.test_admin_flow import _login
from tests.clips import spoken_file

SYSTEM = Actor.system("test")


def test_a_clip_is_heard_and_a_file_that_is_not_sound_is_refused(page, live_server, tmp_path):
    prompts.use_directory(tmp_path / "instance" / "lib" / "prompts")  # no engine here; English needs no model
    try:
        for number in ("201", "202"):
            extensions.create(extensions.ExtensionInput(number, f"Ramal {number}"), SYSTEM)
        bot = bots.save_bot(bots.BotInput("Atendente", language="en", fallback_destination="extension:201", intents=[
            bots.IntentInput("sales", "extension:202", phrases="I want to buy something", keywords="sales"),
            bots.IntentInput("support", "extension:201", phrases="I need technical support", keywords="support")]),
            SYSTEM)
        clip = spoken_file(tmp_path, "I need technical support", "mp3")
        junk = tmp_path / "junk.mp3"
        junk.write_bytes(b"#!/bin/sh\necho hi\n" * 10)
        _login(page, live_server)
        page.goto(f"{live_server}/telephony/bots/{bot.id}")
        upload = page.locator("#console input[type=file]")
        hear = page.locator("#console").get_by_role("button", name="Hear it as the bot would")
        upload.set_input_files(str(clip))
        hear.click()
        expect(page.locator("#try-result")).to_contain_text("Wins: support", timeout=30_000)
        expect(page.locator("#try-result")).to_contain_text("Runner-up: sales")
        upload.set_input_files(str(junk))
        hear.click()
        expect(page.locator("#try-result [role=alert]")).to_have_text("Upload a WAV, MP3, OGG or M4A sound file.",
                                                                      timeout=30_000)
        expect(page.locator("#try-result")).not_to_contain_text("Wins:")
    finally:
        prompts.use_directory(None)
