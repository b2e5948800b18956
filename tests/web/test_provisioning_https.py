"""The provisioning server over HTTPS, started the way `make run` starts it (gunicorn with PROV_CERTFILE)."""
import os
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from appliance import db, migrations, settings
from appliance.services import Actor, extensions, phones
from appliance.supervisor import _commands
from tests.engine.sipp import free_port

UA = "Yealink SIP-T46U 108.86.0.20 80:5e:c0:00:00:02"


def test_a_phone_fetches_its_file_over_https(tmp_path):
    cert, key = tmp_path / "prov.crt", tmp_path / "prov.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    port = free_port()
    env = {"CENTRALINA_VAR_DIR": str(tmp_path), "CENTRALINA_CONFIG_DIR": str(tmp_path / "etc"),
           "CENTRALINA_ENGINE_ENABLED": "0", "CENTRALINA_PROV_BIND": f"127.0.0.1:{port}",
           "CENTRALINA_PROV_CERTFILE": str(cert), "CENTRALINA_PROV_KEYFILE": str(key)}
    conf = settings.load(environ=env, config_dir=tmp_path / "etc")
    migrations.upgrade(db.init(conf["DATABASE_URL"]))
    extensions.create(extensions.ExtensionInput("201", "Recepção"), Actor.system("test"))
    device, _ = phones.save_phone(phones.PhoneInput("805ec0000002", "yealink", "T46U", "201"), Actor.system("test"),
                                  minutes=60)
    db.close()

    command = _commands(conf)["provisioning"]
    assert Path(command[0]).parent == Path(sys.executable).parent
    server = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        context = ssl.create_default_context(cafile=str(cert))
        request = urllib.request.Request(f"https://127.0.0.1:{port}/prov/{device.prov_token}/805ec0000002.cfg",
                                         headers={"User-Agent": UA})
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(request, context=context, timeout=5) as response:
                    body = response.read()
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "the HTTPS provisioning server did not answer"
                time.sleep(0.2)
        assert device.sip_password.encode() in body
        assert b"https://" in body  # the phone is told to come back over HTTPS
    finally:
        server.terminate()
        server.wait(timeout=30)
