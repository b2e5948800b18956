"""End to end with a real nginx: the service writes a certificate, the reload script checks and reloads nginx,
and a TLS client on 127.0.0.1 sees the new certificate; a pair nginx refuses is put back by the script.

nginx is the system's, else the one in the image's cached base root (`make image`'s
/var/cache/centralina/image-base-*), run through that root's dynamic loader. Skipped without either.
nginx runs in the foreground on its own prefix, pid file and port, and is stopped by its PID.
"""
import glob
import hashlib
import shutil
import signal
import socket
import ssl
import subprocess
from pathlib import Path

import jinja2
import pytest

from appliance import tls_files
from appliance.services import Actor, tls_certificate
from tests.certificates import Chain, pem
from tests.engine.sipp import free_port
from tests.waiting import wait_for

TEMPLATES = Path(__file__).parents[2] / "playbooks/roles/centralina_appliance/templates"
ACTOR = Actor.system("test")


def _nginx_command():
    system = shutil.which("nginx")
    if system:
        return [system]
    for binary in sorted(glob.glob("/var/cache/centralina/image-base-*/usr/sbin/nginx")):
        root = Path(binary).parents[2]
        loader = root / "lib64/ld-linux-x86-64.so.2"
        if loader.exists():
            libraries = f"{root}/usr/lib/x86_64-linux-gnu:{root}/lib/x86_64-linux-gnu"
            return [str(loader), "--library-path", libraries, binary]
    return None


NGINX = _nginx_command()
pytestmark = pytest.mark.skipif(NGINX is None, reason="no nginx here (nor in the image's cached base root)")


def _served_fingerprint(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            with context.wrap_socket(raw, server_hostname="pbx.example.com") as tls:
                der = tls.getpeercert(binary_form=True)
    except OSError:
        return None
    return hashlib.sha256(der).digest().hex(":").upper()


@pytest.fixture
def nginx(database, tmp_path):
    """nginx on 127.0.0.1:<free port> serving TLS from tmp_path/tls (first a self-signed pair of the service)."""
    folder = tmp_path / "tls"
    conf = {"TLS_DIR": str(folder)}
    first = tls_certificate.regenerate_self_signed(conf, ACTOR)
    prefix = tmp_path / "nginx"
    (prefix / "logs").mkdir(parents=True)
    port = free_port()
    config = prefix / "nginx.conf"
    temp = " ".join(f"{kind}_temp_path {prefix}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                       "scgi"))
    config.write_text(f"""
daemon off;
master_process on;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log;
events {{ worker_connections 16; }}
http {{
    access_log off;
    {temp}
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {folder}/cert.pem;
        ssl_certificate_key {folder}/key.pem;
        location / {{ return 200 "ok"; }}
    }}
}}
""")
    command = [*NGINX, "-p", str(prefix), "-e", str(prefix / "logs/error.log"), "-c", str(config)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        served = wait_for(lambda: _served_fingerprint(port) or process.poll() is not None, timeout=20)
        assert process.poll() is None, process.stderr.read().decode(errors="replace")
        assert served == first.fingerprint_sha256, (prefix / "logs/error.log").read_text()
        script = tmp_path / "centralina-tls-reload"
        script.write_text(jinja2.Template((TEMPLATES / "centralina-tls-reload.j2").read_text()).render(
            ansible_managed="test"))
        script.chmod(0o755)
        env = {"PATH": "/usr/bin:/bin", "CENTRALINA_TLS_DIR": str(folder),
               "NGINX_TEST": " ".join([*command, "-t", "-q"]), "NGINX_RELOAD": f"kill -HUP {process.pid}"}
        yield conf, port, script, env, first
    finally:
        process.send_signal(signal.SIGQUIT)  # graceful stop of this nginx (by its PID)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_a_replaced_certificate_is_served_after_the_reload_script(nginx):
    conf, port, script, env, first = nginx
    chain = Chain()
    info = tls_certificate.replace(conf, pem(chain.leaf), pem(chain.intermediate), chain.key, ACTOR)
    run = subprocess.run([script], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    # One handshake per try: while the reload runs, an old worker may still answer the next one.
    served = wait_for(lambda: (seen := _served_fingerprint(port)) == info.fingerprint_sha256 and seen, timeout=20)
    assert served == info.fingerprint_sha256, f"served {_served_fingerprint(port)}, wanted {info.fingerprint_sha256}"


def test_a_pair_nginx_refuses_is_rolled_back_and_the_old_one_stays_served(nginx):
    conf, port, script, env, first = nginx
    folder = tls_files.folder(conf)
    good = tls_files.read_pair(folder)
    # Past the service's checks (it would refuse this): a certificate nginx cannot load.
    tls_files.write_pair(folder, b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", good[1])
    run = subprocess.run([script], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "previous TLS certificate is back" in run.stderr, run.stderr
    assert tls_files.read_pair(folder) == good
    assert tls_certificate.reload_failure(conf)  # nginx's words, for the page
    assert tls_certificate.current(conf).fingerprint_sha256 == first.fingerprint_sha256
    assert wait_for(lambda: _served_fingerprint(port), timeout=20) == first.fingerprint_sha256
