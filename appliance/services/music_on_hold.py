"""Music-on-hold classes: admins name a class, upload sounds into it, and queues play it to waiting callers.

A class is ``cn-moh-<id>`` in musiconhold.conf (confgen/musiconhold.py); its sounds live in the
engine's instance folder (``lib/moh/cn-moh-<id>/f<file id>.{sln16,sln,ulaw,alaw}``), converted by
ffmpeg from WAV, MP3, OGG or M4A (appliance/audio: checked by content, no shell, atomic renames)
so Asterisk plays each call's own format without transcoding. A change recompiles
musiconhold.conf and reloads res_musiconhold after commit: callers already waiting keep their
place and their music. A class a queue plays cannot be deleted.
"""
import shutil
from dataclasses import dataclass
from pathlib import Path

from appliance import audio, permissions
from appliance.asterisk.confgen.musiconhold import MOH_SUBDIR, file_stem
from appliance.asterisk.names import DEFAULT_MOH_CLASS, moh_class_name
from appliance.db import database
from appliance.errors import NotFound, ValidationError
from appliance.i18n import N_
from appliance.models.moh import MohClass, MohFile
from appliance.models.queues import Queue
from appliance.services import audit, engine_sync, names, sound_folders
from appliance.services.prompts import audio_error

#: Sounds one class may hold (each up to audio.MAX_SECONDS).
MAX_FILES = 50


@dataclass
class MohClassInput:
    """A class's name."""

    name: str


_folder = sound_folders.SoundFolder(MOH_SUBDIR)
#: Keep the classes' sounds in a folder of one's choice (tests; an appliance without engine).
use_directory = _folder.use
#: The folder (host path) holding every class's folder, created; None when there is no engine.
storage_dir = _folder.path


def class_folder(class_id, create=False):
    """Return the host folder of class ``class_id`` (created with ``create``), or None without storage."""
    root = storage_dir()
    if root is None:
        return None
    folder = root / moh_class_name(class_id)
    if create and not folder.exists():
        folder.mkdir()
        permissions.share_dir(folder)
    return folder


def list_classes():
    """Return every uploaded class, by name."""
    return MohClass.select().order_by(MohClass.name)


def get_class(class_id):
    """Return the class with ``class_id`` or raise NotFound."""
    found = MohClass.get_or_none(MohClass.id == class_id)
    if found is None:
        raise NotFound(N_("Music class not found."))
    return found


def files_of(moh_class):
    """Return the sounds of ``moh_class`` in upload order."""
    return list(MohFile.select().where(MohFile.moh_class == moh_class).order_by(MohFile.id))


def choices():
    """Return ``[(musicclass value, class name or None for the bundled music)]`` a queue may choose from."""
    return [(DEFAULT_MOH_CLASS, None)] + [(moh_class_name(c.id), c.name) for c in list_classes()]


def valid_choice(value):
    """Tell whether ``value`` names the bundled class or an existing uploaded one."""
    return value in {key for key, _ in choices()}


def users_of(moh_class):
    """Return the names of the queues playing ``moh_class``."""
    return [q.name for q in Queue.select(Queue.name).where(Queue.moh_class == moh_class_name(moh_class.id))
            .order_by(Queue.name)]


def _public(moh_class):
    return {"name": moh_class.name, "files": [f.name for f in files_of(moh_class)]}


def _clean_name(name, class_id, errors, field="name", max_length=64):
    # Only the class's own name is unique: a file's name (another field) is checked for its characters.
    return names.clean_unique_name(name, errors, model=MohClass if field == "name" else None, own_id=class_id,
                                   taken=N_("A music class with this name exists."), field=field,
                                   max_length=max_length)


def save_class(data, actor, class_id=None):
    """Create (``class_id`` None) or rename a class; return it."""
    with database.atomic():
        found = get_class(class_id) if class_id is not None else None
        errors = {}
        name = _clean_name(data.name, class_id, errors)
        if errors:
            raise ValidationError(errors)
        before = _public(found) if found else None
        if found is None:
            found = MohClass.create(name=name)
        else:
            found.name = name
            found.save()
        audit.record(actor, "moh.update" if before else "moh.create", "moh_class", found.id, name,
                     before=before, after=_public(found))
        return found


def delete_class(class_id, actor):
    """Delete a class and its sounds; refused while a queue plays it."""
    with database.atomic():
        found = get_class(class_id)
        queues = users_of(found)
        if queues:
            raise ValidationError.one("name", N_("Still played by: %(names)s. Change those first."),
                                      names=", ".join(queues[:5]))
        audit.record(actor, "moh.delete", "moh_class", found.id, found.name, before=_public(found))
        found.delete_instance()
        engine_sync.request([], files=True)
    # After the commit: the reload that drops the class runs after it too, and nothing plays these files.
    folder = class_folder(class_id)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def upload_file(class_id, name, stream, actor):
    """Add the sound in ``stream`` (WAV, MP3, OGG or M4A; ``name`` is what the admin calls it) to a class.

    The sound is converted before the transaction commits and the class reloads after it; an
    upload that holds no readable sound changes nothing. Return the new MohFile.
    """
    with database.atomic():
        found = get_class(class_id)
        errors = {}
        name = _clean_name(Path(name or "").name, class_id, errors, field="file")
        if not errors and MohFile.select().where(MohFile.moh_class == found).count() >= MAX_FILES:
            errors["file"] = (N_("A class holds at most %(max)d sounds."), {"max": MAX_FILES})
        folder = class_folder(class_id, create=True) if not errors else None
        if folder is None and not errors:
            errors["file"] = (N_("Music can be kept only when the phone system is set up."), {})
        if errors:
            raise ValidationError(errors)
        before = _public(found)
        row = MohFile.create(moh_class=found, name=name)
        try:
            row.duration = audio.convert_upload(stream, folder, file_stem(row.id))
        except audio.AudioError as error:
            message, params = audio_error(error)
            raise ValidationError({"file": (message, params)}) from error
        row.save()
        audit.record(actor, "moh.upload", "moh_class", found.id, found.name, before=before, after=_public(found))
        engine_sync.request([], files=True)
        return row


def delete_file(class_id, file_id, actor):
    """Remove one sound from a class (the class stays, silent classes are left out of musiconhold.conf)."""
    with database.atomic():
        found = get_class(class_id)
        row = MohFile.get_or_none(MohFile.id == file_id, MohFile.moh_class == found)
        if row is None:
            raise NotFound(N_("Sound not found."))
        before = _public(found)
        row.delete_instance()
        audit.record(actor, "moh.remove_file", "moh_class", found.id, found.name, before=before,
                     after=_public(found))
        engine_sync.request([], files=True)
    folder = class_folder(class_id)
    if folder is not None:
        audio.remove(folder, file_stem(file_id))
