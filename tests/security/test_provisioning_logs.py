"""Finding 5: a phone's token never reaches a log (gunicorn's access and error logs, our own lines)."""
import logging
import os
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from appliance import db, migrations, settings
from appliance.services import Actor, extensions, phones
from appliance.supervisor import _commands
from provisioning.logs import REDACTED, redact
from tests.engine.sipp import free_port
from tests.security.provisioning_fixtures import PHONES, fetch

YEALINK = PHONES[0]
OTHER_TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("text, expected", [
    ("GET /prov/0f1e2d3c4b5a69788796a5b4c3d2e1f0/805ec0000002.cfg HTTP/1.1",
     f"GET /prov/{REDACTED}/805ec0000002.cfg HTTP/1.1"),
    ("/prov/not-a-token-at-all/cfg.xml?x=1", f"/prov/{REDACTED}/cfg.xml?x=1"),
    ("GET http://pbx:8080/prov/abc/def/y000000000000.boot HTTP/1.0",
     f"GET http://pbx:8080/prov/{REDACTED}/y000000000000.boot HTTP/1.0"),
    ("unknown token for '0F1E2D3C4B5A69788796A5B4C3D2E1F0'", f"unknown token for '{REDACTED}'"),
    ("/prov/805ec0000002.cfg Yealink SIP-T46U 108.86.0.20 80:5e:c0:00:00:02",
     "/prov/805ec0000002.cfg Yealink SIP-T46U 108.86.0.20 80:5e:c0:00:00:02"),  # MACs and files stay readable
])
def test_redact_hides_tokens_and_keeps_what_an_admin_reads(text, expected):
    assert redact(text) == expected


def test_our_own_log_lines_never_carry_a_token(prov, caplog):
    caplog.set_level(logging.INFO)
    fetch(prov, f"/prov/{OTHER_TOKEN}/{YEALINK.mac}.cfg", YEALINK.ua())
    fetch(prov, f"/prov/{OTHER_TOKEN}", YEALINK.ua())  # the token where the file name goes
    fetch(prov, f"/prov/{OTHER_TOKEN}", "curl/8.5.0")
    assert caplog.records and OTHER_TOKEN not in caplog.text


def _wait_for(path, text, deadline):
    while True:
        content = path.read_text(errors="replace") if path.exists() else ""
        if text in content:
            return content
        assert time.monotonic() < deadline, f"{text!r} never appeared in {path.name}: {content[-2000:]}"
        time.sleep(0.1)


def test_gunicorn_logs_no_token_of_a_phone_that_fetched_its_file(tmp_path):
    port = free_port()
    env = {"CENTRALINA_VAR_DIR": str(tmp_path), "CENTRALINA_CONFIG_DIR": str(tmp_path / "etc"),
           "CENTRALINA_ENGINE_ENABLED": "0", "CENTRALINA_PROV_BIND": f"127.0.0.1:{port}"}
    conf = settings.load(environ=env, config_dir=tmp_path / "etc")
    migrations.upgrade(db.init(conf["DATABASE_URL"]))
    extensions.create(extensions.ExtensionInput("201", "Recepção"), Actor.system("test"))
    device, _ = phones.save_phone(phones.PhoneInput(YEALINK.mac, "yealink", "T46U", "201"), Actor.system("test"),
                                  minutes=60)
    db.close()
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        # The command `make run` starts: the access log goes to stdout, the error log to stderr.
        server = subprocess.Popen(_commands(conf)["provisioning"], env={**os.environ, **env}, stdout=stdout,
                                  stderr=stderr)
    try:
        base = f"http://127.0.0.1:{port}/prov"
        deadline = time.monotonic() + 30
        requests = [(f"{base}/{device.prov_token}/{YEALINK.mac}.cfg", {}),  # the phone, served
                    (f"{base}/{OTHER_TOKEN}/{YEALINK.mac}.cfg", {}),  # a wrong token, refused
                    (f"{base}/{device.prov_token}", {}),  # the token where the file name goes
                    (f"{base}/y000000000000.boot", {"Referer": f"{base}/{device.prov_token}/"})]
        body = None
        for index, (url, headers) in enumerate(requests):
            request = urllib.request.Request(url, headers={"User-Agent": YEALINK.ua(), **headers})
            while True:
                try:
                    with urllib.request.urlopen(request, timeout=5) as response:
                        body = response.read() if index == 0 else body
                    break
                except urllib.error.HTTPError:
                    break  # refused: what the attempt was for
                except (urllib.error.URLError, ConnectionError):
                    assert time.monotonic() < deadline, "the provisioning server did not answer"
                    time.sleep(0.2)
        assert device.sip_password.encode() in body  # the phone was served: this is the line that matters

        access = _wait_for(out, "y000000000000.boot", time.monotonic() + 10)
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = access + err.read_text(errors="replace")
    assert f"/prov/{REDACTED}/{YEALINK.mac}.cfg" in access
    assert device.prov_token not in logged and OTHER_TOKEN not in logged
