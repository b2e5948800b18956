"""Load a Vosk model once, in this process only: ``python -m appliance.voicebot.model_check <folder>``.

Run by ``model_archive.load_check`` as a child process, so that a model that makes the Kaldi code
abort (or eat the memory) takes down only this process. Prints one JSON line: ``{"ok": true,
"seconds": …}`` or ``{"ok": false, "error": …}`` (``"vosk"``: the package is not installed).
"""
import json
import sys
import time


def main(folder):
    """Load ``folder`` as a Vosk model and decode half a second of silence with it; return the exit status."""
    try:
        import vosk
    except ImportError:
        print(json.dumps({"ok": False, "error": "vosk"}))
        return 2
    vosk.SetLogLevel(-1)
    started = time.monotonic()
    try:
        model = vosk.Model(folder)
        recogniser = vosk.KaldiRecognizer(model, 16000)
        recogniser.AcceptWaveform(b"\x00\x00" * 8000)
        json.loads(recogniser.FinalResult())
    except Exception as exc:  # noqa: BLE001 - whatever the model does wrong is the answer
        print(json.dumps({"ok": False, "error": str(exc)[:300] or type(exc).__name__}))
        return 1
    print(json.dumps({"ok": True, "seconds": round(time.monotonic() - started, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
