"""Sound files a person might upload, made here: English speech by espeak-ng, encoded by ffmpeg."""
import subprocess
from pathlib import Path

from appliance import audio

#: ffmpeg's encoder options per file format (44.1 kHz stereo: what a phone or a desktop records, not what the
#: recogniser takes, so the conversion is exercised).
ENCODERS = {"mp3": ("-c:a", "libmp3lame", "-b:a", "64k"), "wav": ("-c:a", "pcm_s16le"),
            "ogg": ("-c:a", "libvorbis"), "m4a": ("-c:a", "aac")}


def spoken_file(folder, text, fmt="mp3", voice="en-us"):
    """Write ``text`` spoken by espeak-ng (with half a second of silence after it) as ``folder/clip.<fmt>``;
    return its path."""
    wav = subprocess.run([audio.tool("espeak-ng"), "-v", voice, "-s", "150", "--stdin", "--stdout"],
                         input=text.encode(), capture_output=True, check=True, timeout=30).stdout
    path = Path(folder) / f"clip.{fmt}"
    subprocess.run([audio.tool("ffmpeg"), "-nostdin", "-loglevel", "error", "-y", "-f", "wav", "-i", "pipe:0",
                    "-af", "apad=pad_dur=0.5", "-ar", "44100", "-ac", "2", *ENCODERS[fmt], str(path)],
                   input=wav, capture_output=True, check=True, timeout=60)
    return path
