"""Text to speech behind one small interface, so a better engine plugs in beside espeak-ng.

A provider has ``name``, ``languages`` and ``synthesize(text, language) -> bytes`` (a WAV file).
``PROVIDERS`` maps names to providers; ``provider(name)`` returns one. A local neural TTS or a
cloud one the admin configures is one more class here and one line in ``PROVIDERS``.
"""
import subprocess

from appliance.audio import AudioError, tool

#: Languages a prompt may be spoken in (the app's own: pt-BR first).
LANGUAGES = ("pt-BR", "en")
#: Longest text synthesized, in characters.
MAX_TEXT = 1000


class TtsProvider:
    """Turns text into speech; subclasses implement ``synthesize``."""

    name = ""
    languages = LANGUAGES

    def synthesize(self, text, language):
        """Return a WAV file's bytes speaking ``text`` in ``language`` (one of ``languages``)."""
        raise NotImplementedError


class EspeakNg(TtsProvider):
    """espeak-ng: offline, small, robotic; pt-BR and English voices ship with it (Debian package espeak-ng)."""

    name = "espeak-ng"
    VOICES = {"pt-BR": "pt-br", "en": "en-us"}
    #: Words per minute: a little slower than espeak's 175 reads better over the phone.
    SPEED = "150"

    def synthesize(self, text, language):
        """Speak ``text`` (given on stdin: never an argument, so it cannot be read as an option)."""
        voice = self.VOICES.get(language)
        if voice is None:
            raise AudioError("format", f"no voice for {language!r}")
        try:
            done = subprocess.run([tool("espeak-ng"), "-v", voice, "-s", self.SPEED, "--stdin", "--stdout"],
                                  input=text.encode("utf-8"), capture_output=True, timeout=60, check=False)
        except subprocess.TimeoutExpired as exc:
            raise AudioError("decode", "espeak-ng timed out") from exc
        if done.returncode != 0 or not done.stdout.startswith(b"RIFF"):
            raise AudioError("decode", done.stderr.decode(errors="replace")[-300:])
        return done.stdout


PROVIDERS = {provider.name: provider for provider in (EspeakNg(),)}
DEFAULT = "espeak-ng"


def provider(name=DEFAULT):
    """Return the TTS provider called ``name``; KeyError when there is none."""
    return PROVIDERS[name]
