"""The VoiceBot on a real Asterisk: speech synthesized by espeak-ng, played by a Local channel into the bot's
number, reaches the destination of the intent said; a bot killed mid-call, or down, sends the call to the fallback.

The bot server runs as the appliance runs it: ``centralina voicebot``, its own process, reading the same
database and handing results to the dialplan through AMI (decision 035).
"""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from appliance.asterisk.ami import Ami, AmiSettings
from appliance.asterisk.ami_protocol import Action
from appliance.models.bots import BotCall
from appliance.services import Actor, bots, prompts
from appliance.voicebot import speech
from tests.engine.sipp import Sipp, free_port
from tests.pbx import extension_with_password, installation
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")
BOT_NUMBER = "7100"
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


def _env(conf):
    keys = ("VAR_DIR", "DATABASE_URL", "ENGINE_ROOT", "ENGINE_INSTANCE", "SIP_PORT", "AMI_PORT", "ENGINE_HTTP_PORT",
            "RTP_START", "RTP_END", "VOICEBOT_ADDRESS")
    env = {**os.environ, **{f"CENTRALINA_{key}": str(conf[key]) for key in keys}}
    env["CENTRALINA_CONFIG_DIR"] = str(Path(conf["VAR_DIR"]) / "etc")
    return env


class BotProcess:
    """``centralina voicebot`` for the test installation, stopped by its PID."""

    def __init__(self, site):
        self.site = site
        log = Path(site["var_dir"]) / "voicebot.log"
        self.log = log.open("ab")
        self.proc = subprocess.Popen([str(Path(sys.executable).parent / "centralina"), "voicebot"],
                                     env=_env(site["conf"]), stdout=self.log, stderr=subprocess.STDOUT)
        host, port = site["address"].split(":")
        assert wait_for(lambda: _listening(host, int(port)) or self.proc.poll() is not None, timeout=30)
        assert self.proc.poll() is None, self.tail()

    def tail(self):
        return (Path(self.site["var_dir"]) / "voicebot.log").read_text(errors="replace")[-3000:]

    def kill(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def _listening(host, port):
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


@pytest.fixture
def bot_process(site):
    process = BotProcess(site)
    yield process
    process.stop()


@pytest.fixture
def sipp(site, tmp_path):
    return Sipp(site["engine"].settings.sip_port, workdir=tmp_path)


def utterance(folder, name, text, lead=0.5, trail=4.0):
    """Write ``text`` spoken by espeak-ng (16 kHz, with silence around it) as ``folder/name.sln16``."""
    voice = speech.speak(text, "en")
    silence = b"\0" * int(32000 * lead)
    path = Path(folder) / f"{name}.sln16"
    path.write_bytes(silence + voice + b"\0" * int(32000 * trail))
    os.chmod(path, 0o644)  # Asterisk reads it as its own account
    return str(Path(folder) / name)


def call_bot(site, sound):
    """Call the bot's number from a Local channel (16 kHz) whose other end plays ``sound`` (a path, no suffix)."""
    engine = site["engine"]
    as_seen = str(engine.settings.instance_dir / "lib" / "prompts" / Path(sound).name)
    with Ami(AmiSettings.for_calls(engine.settings)) as ami:
        ami._send(Action("Originate", Channel=f"Local/{BOT_NUMBER}@internal/n", Application="Playback",
                         Data=as_seen, Codecs="slin16", CallerID='"Test" <5551234>', Timeout=10000, Async="true"))


def _rings(site, sipp, callee, sound, during=None, timeout=25):
    _, password = extension_with_password(callee, f"Ramal {callee}")
    with sipp.uas(callee, password, answer=False) as phone:
        call_bot(site, sound)
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
