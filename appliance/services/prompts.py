"""The prompt library: sounds uploaded or synthesized once, then played by IVRs (later queues and the bot) by id.

Audio lives in the engine's instance folder (``lib/prompts``, shared with Asterisk's group, which
writes phone recordings there; the app's files 0640) as ``p<id>.{sln16,sln,ulaw,alaw}``; the row
holds the name, where it came from and, for text to speech, the text and language. Uploads are
checked by content (never by name), converted by ffmpeg without a shell, and replace the old audio
atomically. An admin may also record a prompt from a phone (``*77<id>``, confgen/ivr.py); the daemon
then adopts the recording (``adopt_recording``).
"""
import logging
import tempfile
from dataclasses import dataclass

from appliance import audio
from appliance.asterisk.confgen.ivr import PROMPTS_SUBDIR, prompt_stem, recording_stem
from appliance.audio import tts
from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.extensions import Extension
from appliance.models.ivr import Ivr, Prompt
from appliance.models.users import User
from appliance.services import Actor, audit, engine_sync, names, sound_folders

SOURCES = ("upload", "tts", "phone")
log = logging.getLogger(__name__)


@dataclass
class PromptInput:
    """A prompt's name and, for text to speech, its text and language."""

    name: str
    text: str = ""
    language: str = "pt-BR"


_folder = sound_folders.SoundFolder(PROMPTS_SUBDIR)
#: Keep prompt audio in a folder of one's choice (tests; an appliance without engine).
use_directory = _folder.use
#: The folder (host path) prompt audio lives in, created; None when there is nowhere to keep it.
storage_dir = _folder.path


def list_prompts():
    """Return every prompt, by name."""
    return Prompt.select().order_by(Prompt.name)


def get_prompt(prompt_id):
    """Return the prompt with ``prompt_id`` or raise NotFound."""
    prompt = Prompt.get_or_none(Prompt.id == prompt_id)
    if prompt is None:
        raise NotFound(N_("Prompt not found."))
    return prompt


def _clean_name(name, prompt_id, errors):
    return names.clean_unique_name(name, errors, model=Prompt, own_id=prompt_id,
                                   taken=N_("A prompt with this name exists."))


def _folder(errors, field):
    folder = storage_dir()
    if folder is None:
        errors.setdefault(field, (N_("Prompts can be kept only when the phone system is set up."), {}))
    return folder


_AUDIO_ERRORS = {
    "format": N_("Upload a WAV, MP3, OGG or M4A sound file."),
    "size": N_("The file is larger than %(max)d MB."),
    "long": N_("The sound is longer than %(max)d seconds."),
    "decode": N_("This file holds no sound that could be read."),
    "tool": N_("The sound converter is not installed on this system."),
}


def audio_error(error, max_bytes=audio.MAX_UPLOAD_BYTES, max_seconds=audio.MAX_SECONDS):
    """Return the (message, params) telling why an uploaded sound was refused (audio.AudioError), with the
    limits the upload had."""
    params = {"size": {"max": max_bytes // (1024 * 1024)}, "long": {"max": max_seconds}}
    return _AUDIO_ERRORS[error.reason], params.get(error.reason, {})


def _public(prompt):
    return {"name": prompt.name, "source": prompt.source, "language": prompt.language, "text": prompt.text,
            "duration": prompt.duration}


def _store(prompt, produce, field, actor, before):
    """Run ``produce(folder, stem)`` (writes the audio, returns its duration) for ``prompt``; audit; return it."""
    errors = {}
    folder = _folder(errors, field)
    if errors:
        raise ValidationError(errors)
    try:
        prompt.duration = produce(folder, prompt_stem(prompt.id))
    except audio.AudioError as error:
        message, params = audio_error(error)
        raise ValidationError({field: (message, params)}) from error
    prompt.version += 1
    prompt.save()
    if before is None:  # a new id the record-by-phone feature code must know
        engine_sync.request([], files=True)
    audit.record(actor, "prompt.update" if before else "prompt.create", "prompt", prompt.id, prompt.name,
                 before=before, after=_public(prompt))
    return prompt


def upload_prompt(data, stream, actor, prompt_id=None):
    """Create a prompt (``prompt_id`` None) from an uploaded file, or replace a prompt's name and audio.

    ``stream`` None keeps the audio (renaming only). The audio is in place when this returns.
    """
    with database.atomic():
        prompt = get_prompt(prompt_id) if prompt_id is not None else None
        errors = {}
        name = _clean_name(data.name, prompt_id, errors)
        if stream is None and prompt is None:
            errors["file"] = (N_("Choose a sound file."), {})
        if errors:
            raise ValidationError(errors)
        before = _public(prompt) if prompt else None
        if prompt is None:
            prompt = Prompt.create(name=name, source="upload")
        prompt.name = name
        if stream is None:
            prompt.save()
            audit.record(actor, "prompt.update", "prompt", prompt.id, name, before=before, after=_public(prompt))
            return prompt
        prompt.source, prompt.text, prompt.language = "upload", "", ""
        return _store(prompt, lambda folder, stem: audio.convert_upload(stream, folder, stem), "file", actor, before)


def synthesize_prompt(data, actor, prompt_id=None, provider=tts.DEFAULT):
    """Create (or replace) a prompt spoken by text to speech from ``data.text`` in ``data.language``."""
    with database.atomic():
        prompt = get_prompt(prompt_id) if prompt_id is not None else None
        errors = {}
        name = _clean_name(data.name, prompt_id, errors)
        text = (data.text or "").strip()
        if not text:
            errors["text"] = (N_("Enter the text to speak."), {})
        elif len(text) > tts.MAX_TEXT:
            errors["text"] = (N_("Use at most %(max)d characters."), {"max": tts.MAX_TEXT})
        if data.language not in tts.LANGUAGES:
            errors["language"] = (N_("Choose a language from the list."), {})
        if errors:
            raise ValidationError(errors)
        before = _public(prompt) if prompt else None
        if prompt is None:
            prompt = Prompt.create(name=name, source="tts")
        prompt.name, prompt.source, prompt.text, prompt.language = name, "tts", text, data.language

        def produce(folder, stem):
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".tts-", suffix=".wav") as wav:
                wav.write(tts.provider(provider).synthesize(text, data.language))
                wav.flush()
                return audio.convert(wav.name, "wav", folder, stem)

        return _store(prompt, produce, "text", actor, before)


def users_of(prompt):
    """Return the names of the IVR menus that play ``prompt`` (greeting, timeout or invalid prompt), then of the
    extensions, profiles, queues and routes that announce their recordings with it (decision 036)."""
    query = Ivr.select(Ivr.name).where((Ivr.greeting == prompt) | (Ivr.timeout_prompt == prompt)
                                       | (Ivr.invalid_prompt == prompt)).order_by(Ivr.name)
    from appliance.services.recording_policy import holders_of  # it reads the holders' models

    return [row.name for row in query] + holders_of(prompt.id)


def delete_prompt(prompt_id, actor):
    """Delete a prompt and its audio; refused while a menu plays it."""
    with database.atomic():
        prompt = get_prompt(prompt_id)
        users = users_of(prompt)
        if users:
            raise ValidationError.one("name", N_("Still played by: %(names)s. Change those first."),
                                      names=", ".join(users[:5]))
        audit.record(actor, "prompt.delete", "prompt", prompt.id, prompt.name, before=_public(prompt))
        prompt.delete_instance()
        engine_sync.request([], files=True)
        folder = storage_dir()
    if folder is not None:
        audio.remove(folder, prompt_stem(prompt_id))


def preview_wav(prompt):
    """Return the prompt's audio as WAV bytes for a browser, or None when its audio is missing."""
    folder = storage_dir()
    return audio.wav_bytes(folder, prompt_stem(prompt.id)) if folder is not None else None


def has_audio(prompt):
    """Tell whether the prompt's audio files are in place."""
    folder = storage_dir()
    return folder is not None and (folder / f"{prompt_stem(prompt.id)}.sln").exists()


def adopt_recording(prompt_id, extension_number):
    """Make a phone's recording of prompt ``prompt_id`` its audio, if an admin's extension made it; return the prompt.

    The daemon calls this on the dialplan's PROMPT_RECORDED_EVENT. The dialplan already checked the
    caller against the admins' extensions it was compiled with; this checks again against the
    database of now (a role taken away since). Returns None when refused or when nothing was recorded.
    """
    try:
        prompt_id = int(prompt_id)
    except (TypeError, ValueError):
        return None
    owner = (User.select().join(Extension, on=(Extension.user == User.id))
             .where(Extension.number == str(extension_number), User.role == "admin").first())
    folder = storage_dir()
    prompt = Prompt.get_or_none(Prompt.id == prompt_id)
    if folder is None or prompt is None:
        return None
    recording = folder / f"{recording_stem(prompt_id)}.sln16"
    if owner is None:
        log.warning("prompt %s recorded from extension %s, which no admin owns: discarded", prompt_id,
                    extension_number)
        recording.unlink(missing_ok=True)
        return None
    if not recording.exists():
        return None
    actor = Actor(owner.id, owner.username, f"extension {extension_number}")
    with database.atomic():
        before = _public(prompt)
        prompt.source, prompt.text, prompt.language = "phone", "", ""
        try:
            return _store(prompt, lambda folder, stem: audio.convert(recording, "sln16", folder, stem), "file",
                          actor, before)
        except ValidationError:
            log.warning("the phone recording of prompt %s holds no sound: kept the old audio", prompt_id)
            return None
