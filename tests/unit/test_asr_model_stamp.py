"""Recognisers follow the installed model: a folder swapped in by an upload is a new model for the next use (the
daemon's voicemail transcripts, the bot's recognition cache), with no restart."""
import os

from appliance.voicebot import asr, recognition


class FakeVosk(asr.Recogniser):
    def __init__(self, folder, sentences=()):
        self.readme = (folder / "README").read_text()

    def transcribe(self, pcm16):
        return self.readme


def _install(instance, text):
    new = instance / "lib" / "asr" / f".new-{text}"
    new.mkdir(parents=True)
    (new / "README").write_text(text)
    target = instance / "lib" / "asr" / "pt-BR"
    if target.exists():
        os.rename(target, instance / "lib" / "asr" / f".old-{text}")
    os.rename(new, target)


def test_voicemail_dictation_uses_the_model_installed_now(tmp_path, monkeypatch):
    monkeypatch.setattr(asr, "Vosk", FakeVosk)
    monkeypatch.setattr(asr, "_DICTATION", {})
    _install(tmp_path, "first")
    assert asr.dictation(tmp_path, "pt-BR").transcribe(b"") == "first"
    assert asr.dictation(tmp_path, "pt-BR") is asr.dictation(tmp_path, "pt-BR")  # kept while unchanged
    _install(tmp_path, "second")
    assert asr.dictation(tmp_path, "pt-BR").transcribe(b"") == "second"
    assert len(asr._DICTATION) == 1  # the replaced one let go


def test_the_bots_recognisers_are_rebuilt_on_a_replaced_model(tmp_path, monkeypatch):
    monkeypatch.setattr(asr, "Vosk", FakeVosk)

    class Config:
        id, language = 7, "pt-BR"

    cache = {}

    def heard():
        key = recognition._key(Config, ["x"], str(tmp_path))
        return recognition._transcribe(key, str(tmp_path), "pt-BR", ["x"], b"", cache)

    _install(tmp_path, "first")
    assert heard() == "first"
    _install(tmp_path, "second")
    assert heard() == "second"
    assert len(cache) == 1
