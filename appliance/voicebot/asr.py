"""Offline speech recognition of 16 kHz signed linear audio: pocketsphinx (English) or a Vosk model.

pocketsphinx's shipped en-us model is a 16 kHz model: 8 kHz audio is resampled before it
(``upsample``). A language model built from the bot's own phrases and keywords (plus the words
of the slots: digits, yes and no) with a dictionary cut down to those words is what makes it
usable: the generic model guesses badly on short phrases and a full dictionary takes seconds to
load (shared/notes/voicebot.md). The utterance is decoded whole (``full_utt``): a fresh decoder
fed 20 ms chunks starts from a wrong cepstral mean.

Vosk (Portuguese, or any language) is used when a model directory is installed for the
language under the instance's ``lib/asr/<language>`` (uploaded through services/speech_models.py);
the package itself is optional. A model is loaded once per process and folder identity
(``model_stamp``): a model replaced by an upload is a new folder, which the next call loads.
"""
import functools
import os
import re
import tempfile
import threading
from pathlib import Path

RATE = 16000
#: Words a slot's values are said with, added to the language model only for a bot with an intent of that slot:
#: more words are more ways to mishear ("support" heard as "four" once the digits are in).
SLOT_WORDS = {
    ("en", "number"): "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                      "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty "
                      "ninety hundred",
    ("en", "yes_no"): "yes no yeah yep nope sure correct",
    ("pt-BR", "number"): "zero um dois três quatro cinco seis sete oito nove dez",
    ("pt-BR", "yes_no"): "sim não claro isso certo",
}
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+")


class AsrUnavailable(RuntimeError):
    """No recogniser for this language (no model installed)."""


def words_of(text):
    """Return the lower-case words of ``text`` (what language models and dictionaries are built from)."""
    return _WORD.findall((text or "").lower())


def upsample(pcm8):
    """Return 8 kHz signed linear bytes as 16 kHz (linear interpolation: the model needs 16 kHz input)."""
    import numpy

    samples = numpy.frombuffer(pcm8, dtype="<i2").astype(numpy.float32)
    if samples.size == 0:
        return b""
    positions = numpy.arange(samples.size * 2) / 2.0
    return numpy.interp(positions, numpy.arange(samples.size), samples).astype("<i2").tobytes()


class Recogniser:
    """Turns one utterance (16 kHz signed linear bytes) into text."""

    def transcribe(self, pcm16):
        """Return the words heard in ``pcm16``, lower case ("" when nothing)."""
        raise NotImplementedError


class Sphinx(Recogniser):
    """pocketsphinx with the shipped en-us acoustic model and an LM built from ``sentences``."""

    def __init__(self, sentences):
        from pocketsphinx import Decoder, get_model_path
        from pocketsphinx.lm import ArpaBoLM

        model = Path(get_model_path())
        lines = [" ".join(words_of(line)) for line in sentences]
        lines = [line for line in lines if line]
        vocabulary = {word for line in lines for word in line.split()}
        entries = _dictionary(str(model / "en-us" / "cmudict-en-us.dict"))
        known = sorted(word for word in vocabulary if word in entries)
        self.unknown = sorted(vocabulary - set(known))
        # Sentences with a word the dictionary lacks would teach the LM a word it cannot say.
        corpus = [line for line in lines if all(word in entries for word in line.split())]
        corpus += known  # every known word alone too: a caller says one word ("sales")
        self._dir = tempfile.TemporaryDirectory(prefix="centralina-asr-")
        lm_path = Path(self._dir.name) / "bot.lm"
        dict_path = Path(self._dir.name) / "bot.dict"
        builder = ArpaBoLM(text="\n".join(corpus), add_start=True)
        builder.compute()
        builder.write_file(str(lm_path))
        dict_path.write_text("".join(f"{word} {pron}\n" for word in known for pron in entries[word]))
        self._decoder = Decoder(hmm=str(model / "en-us" / "en-us"), lm=str(lm_path), dict=str(dict_path),
                                samprate=RATE, logfn="/dev/null")
        self._lock = threading.Lock()

    def transcribe(self, pcm16):
        """Decode the whole utterance at once (batch cepstral mean: right from the first call)."""
        if len(pcm16) < RATE // 10:  # under 50 ms: nothing to hear
            return ""
        with self._lock:
            self._decoder.start_utt()
            self._decoder.process_raw(pcm16, no_search=False, full_utt=True)
            self._decoder.end_utt()
            hyp = self._decoder.hyp()
        return " ".join(w for w in (hyp.hypstr if hyp else "").split() if not w.startswith("<")) if hyp else ""


@functools.lru_cache(maxsize=1)
def _dictionary(path):
    entries = {}
    with open(path, encoding="utf-8") as source:
        for line in source:
            word, _, pron = line.strip().partition(" ")
            if not pron:
                continue
            entries.setdefault(re.sub(r"\(\d+\)$", "", word), []).append(pron.strip())
    return entries


class Vosk(Recogniser):
    """A Vosk (Kaldi) model from a directory; the phrase list narrows what it may hear when it allows it."""

    def __init__(self, model_dir, sentences=()):
        try:
            import vosk
        except ImportError as exc:  # optional package
            raise AsrUnavailable("the vosk package is not installed") from exc
        vosk.SetLogLevel(-1)
        self._model = _vosk_model(vosk, Path(model_dir))
        self._vosk = vosk

    def transcribe(self, pcm16):
        """Decode the utterance with a fresh recogniser (they are cheap; the model is shared)."""
        import json

        recogniser = self._vosk.KaldiRecognizer(self._model, RATE)
        recogniser.AcceptWaveform(pcm16)
        return json.loads(recogniser.FinalResult()).get("text", "")


_VOSK_MODELS = {}
_VOSK_LOCK = threading.Lock()


def _vosk_model(vosk, folder):
    """Return the vosk.Model of ``folder`` as it is now, shared by every bot of the process (a model is hundreds
    of MB); a replaced model's old copy is dropped once its last recogniser goes."""
    stamp = _stamp(folder)
    with _VOSK_LOCK:
        model = _VOSK_MODELS.get(str(folder))
        if model is None or model[0] != stamp:
            model = _VOSK_MODELS[str(folder)] = (stamp, vosk.Model(str(folder)))
        return model[1]


def _stamp(folder):
    try:
        found = os.stat(folder)
    except OSError:
        return None
    return (found.st_ino, found.st_mtime_ns)


def model_stamp(instance_dir, language):
    """Return what identifies the model installed for ``language`` now (None: none): recognisers built for another
    stamp are of a model that has been replaced or removed."""
    return _stamp(model_dir(instance_dir, language))


class Dictation(Recogniser):
    """pocketsphinx with its generic en-us language model (free speech: voicemail), loaded once."""

    def __init__(self):
        from pocketsphinx import Decoder

        self._decoder = Decoder(samprate=RATE, logfn="/dev/null")
        self._lock = threading.Lock()

    def transcribe(self, pcm16):
        """Decode the whole recording at once."""
        with self._lock:
            self._decoder.start_utt()
            self._decoder.process_raw(pcm16, no_search=False, full_utt=True)
            self._decoder.end_utt()
            hyp = self._decoder.hyp()
        return " ".join(w for w in (hyp.hypstr if hyp else "").split() if not w.startswith(("<", "["))) if hyp else ""


_DICTATION = {}


def dictation(instance_dir, language):
    """Return a Recogniser for free speech in ``language`` (a Vosk model first), or raise AsrUnavailable."""
    folder = model_dir(instance_dir, language)
    key = (str(folder), language, _stamp(folder))
    if key not in _DICTATION:
        for old in [old for old in _DICTATION if old[:2] == key[:2]]:  # a replaced or removed model
            del _DICTATION[old]
        if folder.is_dir():
            _DICTATION[key] = Vosk(folder)
        elif language == "en":
            _DICTATION[key] = Dictation()
        else:
            raise AsrUnavailable(f"no speech model for {language}")
    return _DICTATION[key]


def models_root(instance_dir):
    """Return the folder speech models are installed under (one folder per language)."""
    return Path(instance_dir) / "lib" / "asr"


def model_dir(instance_dir, language):
    """Return where a Vosk model for ``language`` is installed (it may not exist)."""
    return models_root(instance_dir) / language


def available(instance_dir, language):
    """Tell whether speech in ``language`` can be recognised here."""
    if model_dir(instance_dir, language).is_dir():
        return True
    return language == "en"


def recogniser(instance_dir, language, sentences):
    """Return a Recogniser for ``language``: an installed Vosk model first, else pocketsphinx for English."""
    folder = model_dir(instance_dir, language)
    if folder.is_dir():
        return Vosk(folder, sentences)
    if language == "en":
        return Sphinx(sentences)
    raise AsrUnavailable(f"no speech model for {language}")
