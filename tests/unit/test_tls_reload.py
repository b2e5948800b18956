"""The root script the path unit runs after the web app wrote a TLS pair (playbooks' centralina-tls-reload).

No nginx on the build machine: ``nginx -t`` and the reload are stand-in commands given by NGINX_TEST and
NGINX_RELOAD. The stand-in "nginx -t" refuses a cert.pem holding the word BROKEN, like nginx refusing a pair.
"""
import subprocess
from pathlib import Path

import jinja2
import pytest

from appliance import tls_files
from tests.certificates import certificate, ec_key, key_pem, pem

TEMPLATES = Path(__file__).parents[2] / "playbooks/roles/centralina_appliance/templates"


@pytest.fixture
def script(tmp_path):
    text = jinja2.Template((TEMPLATES / "centralina-tls-reload.j2").read_text()).render(ansible_managed="test")
    path = tmp_path / "centralina-tls-reload"
    path.write_text(text)
    path.chmod(0o755)
    return path


@pytest.fixture
def stand_ins(tmp_path):
    """An "nginx -t" that refuses a cert.pem with BROKEN in it, and a "reload" that logs what it served."""
    folder = tmp_path / "tls"
    folder.mkdir()
    log = tmp_path / "reloads.log"
    check = tmp_path / "nginx-test"
    check.write_text(f'#!/bin/sh\nif grep -q BROKEN "{folder}/cert.pem"; then\n'
                     f'  echo "nginx: [emerg] cannot load certificate {folder}/cert.pem" >&2; exit 1\nfi\n')
    reload = tmp_path / "nginx-reload"
    reload.write_text(f'#!/bin/sh\nhead -c 60 "{folder}/cert.pem" | tail -c 20 >> "{log}"; echo >> "{log}"\n')
    for path in (check, reload):
        path.chmod(0o755)
    env = {"PATH": "/usr/bin:/bin", "CENTRALINA_TLS_DIR": str(folder), "NGINX_TEST": str(check),
           "NGINX_RELOAD": str(reload)}
    return folder, log, env


def _pair(name):
    key = ec_key()
    return pem(certificate(name, key)).encode(), key_pem(key).encode()


def test_a_pair_nginx_accepts_is_reloaded_and_left_alone(script, stand_ins):
    folder, log, env = stand_ins
    tls_files.write_pair(folder, *_pair("first"))
    second = _pair("second")
    tls_files.write_pair(folder, *second)
    run = subprocess.run([script], env=env, capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert tls_files.read_pair(folder) == second
    assert len(log.read_text().splitlines()) == 1
    assert not (folder / tls_files.RELOAD_FAILED).exists()


def test_a_pair_nginx_refuses_is_replaced_by_the_previous_one_and_the_reason_kept(script, stand_ins):
    folder, log, env = stand_ins
    good = _pair("good")
    tls_files.write_pair(folder, *good)
    cert, key = _pair("bad")
    tls_files.write_pair(folder, cert.replace(b"-----END CERTIFICATE-----", b"BROKEN\n-----END CERTIFICATE-----"),
                         key)
    run = subprocess.run([script], env=env, capture_output=True, text=True, timeout=30)
    assert run.returncode == 1 and "refused" in run.stderr
    assert tls_files.read_pair(folder) == good  # the previous pair is back
    assert len(log.read_text().splitlines()) == 1  # and nginx reloaded with it
    failure = tls_files.reload_failure(folder)
    assert "cannot load certificate" in failure
    assert (folder / tls_files.RELOAD_FAILED).stat().st_mode & 0o777 == 0o644
    assert not list(folder.glob(".reload-failed.*"))
    # The next run (the path unit sees the restored cert.pem) just reloads; the reason stays for the page.
    again = subprocess.run([script], env=env, capture_output=True, text=True, timeout=30)
    assert again.returncode == 0 and "cannot load certificate" in tls_files.reload_failure(folder)
    # A new pair from the web app clears it.
    tls_files.write_pair(folder, *_pair("third"))
    assert tls_files.reload_failure(folder) == ""


def test_a_refused_pair_without_a_previous_one_stays_and_nothing_reloads(script, stand_ins):
    folder, log, env = stand_ins
    cert, key = _pair("only")
    broken = cert.replace(b"-----END CERTIFICATE-----", b"BROKEN\n-----END CERTIFICATE-----")
    tls_files.write_pair(folder, broken, key)
    run = subprocess.run([script], env=env, capture_output=True, text=True, timeout=30)
    assert run.returncode == 1 and tls_files.read_pair(folder) == (broken, key)
    assert not log.exists()
