"""The sound side of a bot call: AudioSocket framing, where speech starts and ends, speech synthesis.

AudioSocket (Asterisk 22, res_audiosocket.c): ``kind:uint8 | length:uint16 BE | payload``; the first
message is the 16-byte UUID; audio is signed linear in host order (little-endian), slin at 8 kHz
(0x10) or, through ``c(slin16)``, 16 kHz (0x12); the bot may send only audio and HANGUP (0x00).
"""
import asyncio
import math
import struct
import subprocess
import uuid as uuid_module

from appliance.audio import AudioError, tool, tts

KIND_HANGUP = 0x00
KIND_UUID = 0x01
KIND_DTMF = 0x03
KIND_SLIN8 = 0x10
KIND_SLIN16 = 0x12
KIND_ERROR = 0xFF
RATES = {KIND_SLIN8: 8000, KIND_SLIN16: 16000}
#: 20 ms of 16 kHz audio: what the bot sends each tick.
FRAME_MS = 20
FRAME_BYTES = 16000 * 2 * FRAME_MS // 1000


async def read_message(reader):
    """Return the next ``(kind, payload)`` from Asterisk; IncompleteReadError when the call is gone."""
    head = await reader.readexactly(3)
    kind, length = head[0], struct.unpack(">H", head[1:])[0]
    payload = await reader.readexactly(length) if length else b""
    return kind, payload


def message(kind, payload=b""):
    """Return one AudioSocket message's bytes."""
    return struct.pack(">BH", kind, len(payload)) + payload


def parse_uuid(payload):
    """Return the UUID the 16 raw bytes name, as text."""
    return str(uuid_module.UUID(bytes=payload))


def rms(pcm):
    """Return the root mean square of signed 16-bit little-endian samples (0 for none)."""
    import numpy

    samples = numpy.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2").astype(numpy.float64)
    return float(math.sqrt(numpy.mean(samples * samples))) if samples.size else 0.0


class Endpointer:
    """Finds one utterance in 20 ms frames: speech starts after START_FRAMES loud frames, ends after a silence.

    The threshold follows the noise floor (the quietest recent level, times FACTOR, at least FLOOR).
    A few frames before the start are kept (pre-roll) so the first syllable is not cut.
    """

    START_FRAMES = 3
    PREROLL_FRAMES = 15
    END_SILENCE_MS = 500
    MAX_SPEECH_MS = 10000
    FLOOR = 300.0
    FACTOR = 3.0

    def __init__(self):
        self.noise = None
        self.speaking = False
        self.voiced = 0
        self.silence_ms = 0
        self.speech_ms = 0
        self.frames = []
        self.preroll = []

    def feed(self, pcm, ms):
        """Take one frame of ``ms`` milliseconds; return the utterance's bytes when it has just ended, else None."""
        level = rms(pcm)
        self.noise = level if self.noise is None else min(level, self.noise * 0.995 + level * 0.005)
        loud = level > max(self.FLOOR, (self.noise or 0) * self.FACTOR)
        if not self.speaking:
            self.preroll = (self.preroll + [pcm])[-self.PREROLL_FRAMES:]
            self.voiced = self.voiced + 1 if loud else 0
            if self.voiced >= self.START_FRAMES:
                self.speaking, self.frames, self.silence_ms, self.speech_ms = True, list(self.preroll), 0, 0
            return None
        self.frames.append(pcm)
        self.speech_ms += ms
        self.silence_ms = 0 if loud else self.silence_ms + ms
        if self.silence_ms >= self.END_SILENCE_MS or self.speech_ms >= self.MAX_SPEECH_MS:
            utterance = b"".join(self.frames)
            self.reset()
            return utterance
        return None

    def silence(self, ms):
        """Count ``ms`` with no frame at all (a caller sending nothing) as silence."""
        if self.speaking:
            self.silence_ms += ms
            if self.silence_ms >= self.END_SILENCE_MS:
                utterance = b"".join(self.frames)
                self.reset()
                return utterance
        return None

    def reset(self):
        """Forget the current utterance (the noise floor stays)."""
        self.speaking, self.voiced, self.silence_ms, self.speech_ms = False, 0, 0, 0
        self.frames, self.preroll = [], []


def first_utterance(pcm16):
    """Return the first utterance an Endpointer finds in a 16 kHz recording, fed as a call's 20 ms frames: what
    the bot would hear of a caller saying it (b"" when it holds no speech)."""
    endpointer = Endpointer()
    for start in range(0, len(pcm16), FRAME_BYTES):
        utterance = endpointer.feed(pcm16[start:start + FRAME_BYTES], FRAME_MS)
        if utterance:
            return utterance
    return endpointer.silence(1000) or b""  # the recording ended mid-speech: as a caller gone quiet


_SPOKEN = {}
MAX_CACHED = 256


def to_slin16(wav):
    """Return a WAV file's sound as 16 kHz mono signed linear (ffmpeg; nothing but our bytes on stdin)."""
    done = subprocess.run([tool("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "wav", "-i",
                           "pipe:0", "-ac", "1", "-ar", "16000", "-f", "s16le", "pipe:1"],
                          input=wav, capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        raise AudioError("decode", done.stderr.decode(errors="replace")[-300:])
    return done.stdout


def speak(text, language):
    """Return ``text`` spoken in ``language`` as 16 kHz signed linear, cached (the same answers recur)."""
    key = (language, text)
    if key not in _SPOKEN:
        if len(_SPOKEN) >= MAX_CACHED:
            _SPOKEN.pop(next(iter(_SPOKEN)))
        _SPOKEN[key] = to_slin16(tts.provider().synthesize(text, language))
    return _SPOKEN[key]


async def speak_async(text, language):
    """``speak`` off the event loop."""
    return await asyncio.to_thread(speak, text, language)
