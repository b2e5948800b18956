"""Another web worker: a separate process running the same app on the same database.

``python -m tests.security.worker CONFIG STEPS`` (both JSON) builds the app with CONFIG, plays
each step with one test client and prints one JSON line per step: the status, Retry-After and
Location. What this process sees, a second gunicorn worker (or the app after a restart) sees.
"""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(config, steps):
    """Play ``steps`` in another process with the app built from ``config``; return its answers."""
    result = subprocess.run([sys.executable, "-m", "tests.security.worker", json.dumps(config), json.dumps(steps)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _play(config, steps):
    from tests.conftest import AuthActions
    from web import create_app

    client = create_app(config).test_client()
    for step in steps:
        client.environ_base["REMOTE_ADDR"] = step.get("address", "127.0.0.1")
        if "cookie" in step:
            client.set_cookie("session", step["cookie"])
        if "login" in step:
            response = AuthActions(client).login(*step["login"])
        else:
            response = client.get(step["get"])
        print(json.dumps({"status": response.status_code, "retry_after": response.headers.get("Retry-After"),
                          "location": response.headers.get("Location", "")}))


if __name__ == "__main__":
    _play(json.loads(sys.argv[1]), json.loads(sys.argv[2]))
