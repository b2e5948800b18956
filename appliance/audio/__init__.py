"""Sound for the PBX to play: uploaded files checked and converted, speech synthesized (no Flask, no database).

Asterisk plays a prompt without transcoding when a file in the call's own format sits beside
the others under one name: ``.sln`` (8 kHz signed linear), ``.sln16`` (16 kHz, wideband
calls), ``.ulaw`` and ``.alaw`` (G.711, what most phones and carriers send). ``convert``
writes all four from any upload ffmpeg decodes; Background(/path/name) then picks the cheapest.
"""
import contextlib
import os
import resource
import shutil
import subprocess
import tempfile
from pathlib import Path

#: Formats people may upload: name -> the ffmpeg demuxer forced for it (no probing of other formats).
UPLOAD_FORMATS = {"wav": "wav", "mp3": "mp3", "ogg": "ogg", "m4a": "mov"}
#: ffmpeg's input options per format: the uploads', and 16 kHz signed linear (what a phone recording is).
INPUTS = {**{name: ("-f", demuxer) for name, demuxer in UPLOAD_FORMATS.items()},
          "sln16": ("-f", "s16le", "-ar", "16000", "-ac", "1")}
#: Largest upload accepted, in bytes (the web app refuses larger requests with 413 before they are read:
#: MAX_CONTENT_LENGTH in web/__init__.py), and longest prompt kept, in seconds. 8 MB holds 8 minutes of
#: 128 kbit/s MP3.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_SECONDS = 600
#: What ``convert`` writes beside each other: suffix -> (ffmpeg output options).
OUTPUTS = {
    "sln16": ("-ar", "16000", "-f", "s16le", "-acodec", "pcm_s16le"),
    "sln": ("-ar", "8000", "-f", "s16le", "-acodec", "pcm_s16le"),
    "ulaw": ("-ar", "8000", "-f", "mulaw"),
    "alaw": ("-ar", "8000", "-f", "alaw"),
}
#: Seconds of CPU one conversion may use (a crafted file cannot hold the worker forever).
CPU_SECONDS = 60


class AudioError(ValueError):
    """The audio could not be taken: ``reason`` is one of "format", "size", "long", "decode", "tool"."""

    def __init__(self, reason, detail=""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def sniff(head):
    """Return the upload format ("wav", "mp3", "ogg", "m4a") the first bytes ``head`` show, or None.

    The name and the browser's content type are not trusted: only the content is.
    """
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"OggS":
        return "ogg"
    if len(head) >= 12 and head[4:8] == b"ftyp":  # ISO media (M4A, MP4): the mov demuxer checks the brand
        return "m4a"
    if head[:3] == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def tool(name):
    """Return the path of the program ``name`` (ffmpeg, espeak-ng), or raise AudioError("tool")."""
    path = shutil.which(name)
    if path is None:
        raise AudioError("tool", f"{name} is not installed")
    return path


def _limits():
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def _ffmpeg_input(source, fmt):
    """Return the start of an ffmpeg command reading ``source`` as upload format ``fmt`` (forced: no probing)."""
    if fmt not in INPUTS:
        raise AudioError("format", fmt)
    return [tool("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file",
            *INPUTS[fmt], "-i", str(source)]


def _run_ffmpeg(cmd):
    """Run ``cmd`` with the CPU limit; return its standard output or raise AudioError("decode")."""
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=CPU_SECONDS * 2, preexec_fn=_limits, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AudioError("decode", "timed out") from exc
    if done.returncode != 0:
        raise AudioError("decode", done.stderr.decode(errors="replace")[-300:])
    return done.stdout


def convert(source, fmt, directory, stem):
    """Decode ``source`` (a file in upload format ``fmt``) into ``directory/stem.{sln16,sln,ulaw,alaw}``.

    Mono, at most MAX_SECONDS. Written beside under temporary names and renamed into place, so a
    call playing the old prompt never reads half a new one. Return the duration in seconds.
    The arguments are a list (no shell) and every path is ours: nothing the uploader typed reaches it.
    """
    cmd = _ffmpeg_input(source, fmt)
    directory = Path(directory)
    work = Path(tempfile.mkdtemp(prefix=".convert-", dir=directory))
    try:
        # ffmpeg's output options apply to the next output only: each one says mono and the limit itself
        # (given once before the first, a stereo upload's .sln/.ulaw/.alaw stayed stereo and played at half speed).
        for suffix, options in OUTPUTS.items():
            cmd += ["-vn", "-sn", "-dn", "-ac", "1", "-t", str(MAX_SECONDS), *options, str(work / f"out.{suffix}")]
        _run_ffmpeg(cmd)
        size16 = (work / "out.sln16").stat().st_size
        if size16 < 320:  # less than 10 ms of sound: nothing was decoded
            raise AudioError("decode", "no audio")
        for suffix in OUTPUTS:
            target = directory / f"{stem}.{suffix}"
            os.chmod(work / f"out.{suffix}", 0o640)
            os.replace(work / f"out.{suffix}", target)
        return round(size16 / 32000, 2)
    finally:
        shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def _uploaded(stream, directory, max_bytes):
    """Copy ``stream`` into a temporary file in ``directory`` (None: the system's) within ``max_bytes``; yield
    ``(path, format)`` sniffed from its content. The file is gone when the block ends, whatever happens."""
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".upload-") as raw:
        size = 0
        while chunk := stream.read(65536):
            size += len(chunk)
            if size > max_bytes:
                raise AudioError("size")
            raw.write(chunk)
        raw.flush()
        raw.seek(0)
        fmt = sniff(raw.read(64))
        if fmt is None:
            raise AudioError("format")
        yield raw.name, fmt


def convert_upload(stream, directory, stem):
    """Copy ``stream`` (a binary file object) aside within MAX_UPLOAD_BYTES, sniff its format, ``convert`` it.

    Return the duration in seconds; raise AudioError("size"/"format"/"decode"/"tool").
    """
    with _uploaded(stream, directory, MAX_UPLOAD_BYTES) as (path, fmt):
        return convert(path, fmt, directory, stem)


def decode_upload(stream, max_bytes, max_seconds):
    """Return an uploaded clip (WAV, MP3, OGG, M4A; ``stream`` a binary file object) as 16 kHz mono signed linear
    bytes, what the bots' recogniser hears; nothing of it is kept.

    Raise AudioError("size") past ``max_bytes``, ("long") past ``max_seconds`` (half a second of codec padding
    allowed), or ("format"/"decode"/"tool") like ``convert_upload``.
    """
    with _uploaded(stream, None, max_bytes) as (path, fmt):
        cmd = _ffmpeg_input(path, fmt) + ["-vn", "-sn", "-dn", "-ac", "1", "-t", str(max_seconds + 1),
                                          *OUTPUTS["sln16"], "pipe:1"]
        pcm16 = _run_ffmpeg(cmd)
    if len(pcm16) < 320:  # less than 10 ms of sound: nothing was decoded
        raise AudioError("decode", "no audio")
    if len(pcm16) > (max_seconds + 0.5) * 32000:
        raise AudioError("long")
    return pcm16[: len(pcm16) - len(pcm16) % 2]


def remove(directory, stem):
    """Delete every file of prompt ``stem`` in ``directory`` (and a phone recording of it)."""
    for suffix in OUTPUTS:
        (Path(directory) / f"{stem}.{suffix}").unlink(missing_ok=True)
    (Path(directory) / f"{stem}-phone.sln16").unlink(missing_ok=True)


def wav_bytes(directory, stem):
    """Return the 16 kHz version of prompt ``stem`` as a WAV file's bytes (what a browser plays), or None."""
    import io
    import wave

    path = Path(directory) / f"{stem}.sln16"
    if not path.exists():
        return None
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(path.read_bytes())
    return out.getvalue()
