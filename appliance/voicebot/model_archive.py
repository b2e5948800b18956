"""Unpacking an uploaded speech-model archive safely, and telling whether what it holds is a Vosk model.

An archive is untrusted input: every member is checked before anything is written (no absolute
path, no ``..``, no link or device, at most ``max_files`` members and ``max_bytes`` unpacked, by
what the headers declare), then each file is copied by this code (never ``extractall``) with the
bytes actually written counted again, so a header that lies stops the copy too. Nothing here
touches the database; ``appliance.services.speech_models`` decides where and when.

The layout check follows Vosk's ``Model`` (vosk-api ``src/model.cc``): the "v2" layout has
``am/final.mdl`` and ``conf/mfcc.conf`` (and ``conf/model.conf``), the older one ``final.mdl`` and
``mfcc.conf`` at the top; either needs a decoding graph, ``HCLG.fst`` or ``HCLr.fst`` + ``Gr.fst``
(in ``graph/`` for v2). Only loading it says it is a model: ``load_check`` does that in a process of
its own (a broken model may crash the Kaldi code) with a time limit.
"""
import json
import os
import stat
import subprocess
import sys
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

CHUNK = 1024 * 1024
#: Folders an archive made on a Mac carries beside the real content; left out.
IGNORED_TOPS = ("__MACOSX",)


class ArchiveError(ValueError):
    """The archive is refused; ``code`` says why (the service turns it into the user's words), ``name`` which
    member when one is to blame."""

    def __init__(self, code, name="", **params):
        super().__init__(f"{code}: {name}" if name else code)
        self.code = code
        self.name = name
        self.params = params


@dataclass(frozen=True)
class Limits:
    """How much an archive may unpack to."""

    max_bytes: int
    max_files: int


@dataclass(frozen=True)
class Member:
    """One member of an archive, checked: a file or a folder at a relative path."""

    path: PurePosixPath
    is_dir: bool
    size: int


def _checked_path(name):
    if "\x00" in name or "\\" in name or len(name) > 1024:
        raise ArchiveError("path", name[:200])
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith("/") or any(part == ".." for part in path.parts):
        raise ArchiveError("path", name[:200])
    if path.parts and ":" in path.parts[0]:  # C:\... written with slashes
        raise ArchiveError("path", name[:200])
    return path


def _kind(path):
    """Return "zip" or "tar" by the file's content (never its name)."""
    with open(path, "rb") as head:
        magic = head.read(4)
    if magic.startswith(b"PK\x03\x04") or magic.startswith(b"PK\x05\x06"):
        return "zip"
    if magic[:2] == b"\x1f\x8b":
        return "tar"
    raise ArchiveError("format")


def _tally(limits, count, total):
    if count > limits.max_files:
        raise ArchiveError("files")
    if total > limits.max_bytes:
        raise ArchiveError("large")


def members(path, limits):
    """Return the checked Members of the archive at ``path`` (.zip or gzip'd tar), or raise ArchiveError."""
    kind = _kind(path)
    found, total = [], 0
    try:
        if kind == "zip":
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    mode = info.external_attr >> 16
                    if info.flag_bits & 0x1:
                        raise ArchiveError("encrypted", info.filename[:200])
                    if mode and stat.S_IFMT(mode) not in (0, stat.S_IFREG, stat.S_IFDIR):
                        raise ArchiveError("special", info.filename[:200])
                    member = Member(_checked_path(info.filename), info.is_dir(), info.file_size)
                    total += member.size
                    found.append(member)
                    _tally(limits, len(found), total)
        else:
            with tarfile.open(path, "r:gz") as archive:
                for info in archive:  # streamed: stops at the first refusal, before a bomb is all read
                    if not (info.isfile() or info.isdir()):
                        raise ArchiveError("special", info.name[:200])
                    member = Member(_checked_path(info.name), info.isdir(), info.size if info.isfile() else 0)
                    total += member.size
                    found.append(member)
                    _tally(limits, len(found), total)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise ArchiveError("damaged") from exc
    if not any(not member.is_dir for member in found):
        raise ArchiveError("empty")
    return found


def unpacked_size(found):
    """Return the bytes the checked members unpack to."""
    return sum(member.size for member in found)


def _copy(source, target, budget):
    written = 0
    while chunk := source.read(CHUNK):
        written += len(chunk)
        if written > budget:
            raise ArchiveError("large")
        target.write(chunk)
    return written


def extract(path, destination, limits):
    """Unpack the archive at ``path`` into the empty folder ``destination`` (files 0640, folders 0750) after
    checking every member; return the folder holding the model: the archive's one top folder, or
    ``destination`` when the model's folders are at the archive's top. Raise ArchiveError."""
    found = members(path, limits)
    destination = Path(destination)
    budget = limits.max_bytes
    wanted = {member.path: member for member in found}

    def target_of(member_path):
        target = destination.joinpath(*member_path.parts)
        # Belt and braces: the checked path cannot leave the folder, and nothing in it is a link.
        if not str(target.resolve()).startswith(str(destination.resolve()) + os.sep):
            raise ArchiveError("path", str(member_path))
        return target

    def write(member_path, stream):
        nonlocal budget
        target = target_of(member_path)
        target.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o640)
        with os.fdopen(fd, "wb") as out:
            budget -= _copy(stream, out, budget)

    try:
        if _kind(path) == "zip":
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    member = wanted[PurePosixPath(info.filename)]
                    if member.is_dir:
                        target_of(member.path).mkdir(mode=0o750, parents=True, exist_ok=True)
                        continue
                    with archive.open(info) as stream:
                        write(member.path, stream)
        else:
            with tarfile.open(path, "r:gz") as archive:
                for info in archive:
                    member_path = _checked_path(info.name)
                    if info.isdir():
                        target_of(member_path).mkdir(mode=0o750, parents=True, exist_ok=True)
                    elif info.isfile():
                        write(member_path, archive.extractfile(info))
                    else:  # the archive changed since it was checked
                        raise ArchiveError("special", info.name[:200])
    except (FileExistsError, NotADirectoryError) as exc:  # the same name twice, or a file's name as a folder
        raise ArchiveError("path", str(exc.filename or "")) from exc
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, KeyError, zlib.error) as exc:  # zlib: bad deflate data
        raise ArchiveError("damaged") from exc
    return model_root(destination)


def model_root(folder):
    """Return the folder of an unpacked archive that holds the model: its one top folder (as published), or
    ``folder`` itself when the model's files are at the top."""
    folder = Path(folder)
    entries = [entry for entry in folder.iterdir() if entry.name not in IGNORED_TOPS]
    if len(entries) == 1 and entries[0].is_dir() and not entries[0].is_symlink():
        return entries[0]
    return folder


def missing_parts(root):
    """Return what a Vosk model at ``root`` lacks ("" when its layout is one Vosk's Model reads)."""
    root = Path(root)
    if (root / "am" / "final.mdl").is_file():  # vosk-api src/model.cc ConfigureV2
        base, needed = root / "graph", ["conf/mfcc.conf", "conf/model.conf"]
    elif (root / "final.mdl").is_file():  # ConfigureV1, the older layout
        base, needed = root, ["mfcc.conf"]
    else:
        return "am/final.mdl"
    for part in needed:
        if not (root / part).is_file():
            return part
    if not ((base / "HCLG.fst").is_file() or ((base / "HCLr.fst").is_file() and (base / "Gr.fst").is_file())):
        return f"{base.relative_to(root).as_posix() + '/' if base != root else ''}HCLG.fst"
    return ""


def load_check(root, timeout):
    """Load the model at ``root`` with ``vosk.Model`` in a process of its own and decode half a second of silence
    with it; return the seconds it took, or raise ArchiveError ("vosk", "load" with a reason, "timeout")."""
    command = [sys.executable, "-m", "appliance.voicebot.model_check", str(root)]
    env = {key: value for key, value in os.environ.items() if key in ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired as exc:  # run() kills the child
        raise ArchiveError("timeout", seconds=timeout) from exc
    try:
        answer = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        answer = {}
    if done.returncode == 0 and answer.get("ok"):
        return float(answer.get("seconds", 0.0))
    if answer.get("error") == "vosk":
        raise ArchiveError("vosk")
    reason = answer.get("error") or (f"the loader ended with signal {-done.returncode}" if done.returncode < 0
                                     else (done.stderr.strip().splitlines() or ["no answer"])[-1])
    raise ArchiveError("load", reason=str(reason)[:300])
