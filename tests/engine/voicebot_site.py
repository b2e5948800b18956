"""A VoiceBot test site's moving parts, shared by tests/engine/test_voicebot.py and bench/voicebot.py:
the bot server run as the appliance runs it (``centralina voicebot``, its own process), synthesized callers."""
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import uuid as uuid_module
from pathlib import Path

from appliance.asterisk.ami import Ami, AmiSettings
from appliance.asterisk.ami_protocol import Action
from appliance.asterisk.confgen.bots import uuid_prefix
from appliance.voicebot import speech
from tests.waiting import wait_for


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
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def spoken(text, voice=None):
    """Return ``text`` spoken by espeak-ng (the app's TTS, or another espeak voice such as ``en-us+f3``), 16 kHz."""
    if voice is None:
        return speech.speak(text, "en")
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "--stdin", "--stdout"], input=text.encode(),
                         capture_output=True, check=True).stdout
    return speech.to_slin16(wav)


def utterance(folder, name, text, lead=0.5, trail=4.0, voice=None):
    """Write ``text`` spoken (with silence around it) as ``folder/name.sln16``; return its path without suffix."""
    silence = b"\0" * int(32000 * lead)
    path = Path(folder) / f"{name}.sln16"
    path.write_bytes(silence + spoken(text, voice) + b"\0" * int(32000 * trail))
    os.chmod(path, 0o644)  # Asterisk reads it as its own account
    return str(Path(folder) / name)


def call_bot(site, sound, number, caller="5551234"):
    """Call ``number`` from a Local channel (16 kHz) whose other end plays ``sound`` (a path, no suffix)."""
    engine = site["engine"]
    as_seen = str(engine.settings.instance_dir / "lib" / "prompts" / Path(sound).name)
    with Ami(AmiSettings.for_calls(engine.settings)) as ami:
        ami._send(Action("Originate", Channel=f"Local/{number}@internal/n", Application="Playback",
                         Data=as_seen, Codecs="slin16", CallerID=f'"Test" <{caller}>', Timeout=10000, Async="true"))




def conversation_uuid(bot_id):
    """Return a new conversation UUID naming bot ``bot_id`` (as the dialplan makes them)."""
    return str(uuid_module.UUID(hex=uuid_prefix(bot_id) + uuid_module.uuid4().hex[8:]))


def converse(address, call_uuid, pcm16, timeout=30):
    """Be Asterisk's side of one AudioSocket call to the bot at ``address``: send the UUID, say ``pcm16`` (16 kHz)
    then two seconds of silence, and read what the bot sends until it hangs up (or ``timeout``).

    Return ``(audio, hung_up)``: the audio the bot sent (16 kHz), and whether it ended the call with HANGUP.
    Frames go out as fast as the socket takes them: the bot's endpointer counts frames, not the clock.
    """
    host, port = address.rsplit(":", 1)
    audio, hung_up, done = bytearray(), threading.Event(), threading.Event()
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        def read():
            # Read while speaking, as Asterisk does (a bot that answers before the caller's audio ends must not
            # meet a full socket).
            try:
                stream = sock.makefile("rb")
                while True:
                    head = stream.read(3)
                    if len(head) < 3:
                        return
                    length = struct.unpack(">H", head[1:])[0]
                    payload = stream.read(length) if length else b""
                    if head[0] == speech.KIND_HANGUP:
                        hung_up.set()
                        return
                    if head[0] in speech.RATES:
                        audio.extend(payload)
            except OSError:
                return
            finally:
                done.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        sock.sendall(speech.message(speech.KIND_UUID, uuid_module.UUID(call_uuid).bytes))
        said = pcm16 + b"\0" * 32000 * 2
        try:
            for start in range(0, len(said), speech.FRAME_BYTES):
                if done.is_set():
                    break
                frame = said[start:start + speech.FRAME_BYTES]
                sock.sendall(speech.message(speech.KIND_SLIN16, frame.ljust(speech.FRAME_BYTES, b"\0")))
        except OSError:
            pass  # the bot hung up first
        done.wait(timeout)
    reader.join(5)
    return bytes(audio), hung_up.is_set()
