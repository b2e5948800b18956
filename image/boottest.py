"""Boot the built image under qemu and prove it serves: `make image-test` (not part of `make test`).

Boots image/out/centralina.img copy-on-write (every run is a first boot; the file stays pristine)
under qemu TCG (KVM is not usable on this host: notes/image.md), BIOS by default, ``--firmware
uefi`` or ``uefi-sb`` (Secure Boot enforced) for the others. Then, against the booted box:

1. the web page answers over HTTPS (nginx, the self-signed certificate made on first boot);
2. a SIP OPTIONS gets 200 (res_pjsip answers out-of-dialog OPTIONS);
3. the admin password the console shows (serial log) logs in and leads to the first login's setup
   (a new password, time zone, country); with the new password a service token is made on the
   token page; two extensions are created through the REST API;
4. SIPp registers one extension and answers; the other calls it: the call is answered (200) and hung up;
5. an encrypted backup is made on demand through the API and downloaded; extension 202 is deleted (its
   phone is refused); a wrong passphrase restores nothing (422); the backup restored with the right one
   brings 202 back, and its phone is accepted again (the engine was resynchronised from the restored rows);
6. the image boots again as a fresh box (its own first-boot password and setup): the first box's backup
   restored there brings its extensions (read with the first box's token; the fresh box's own token is
   gone with its database) and both phones are accepted (``--no-fresh-restore`` skips this second boot).

Prints boot-to-web time. Stops qemu by its PID (system_powerdown, then quit). A kernel panic before
the web answers (qemu TCG's own races on a loaded host; the image's panic=10 ends such a boot) is
reported and the machine booted once more (``--boots``); any other failure is final.
"""
import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tests.engine.sipp import Sipp, free_port  # noqa: E402  (the suite's SIPp helpers, reused as they are)

HTTPS_PORT, SIP_PORT = 18443, 15060
BOOT_TIMEOUT = 1500  # TCG on 2 shared cores: 60-100 s for a bare image (notes), minutes with the app on a busy host
OVMF = Path("/usr/share/OVMF")


def log(message, started=[time.monotonic()]):  # noqa: B006 (the clock of the whole run)
    print(f"[{time.monotonic() - started[0]:6.1f} s] {message}", flush=True)


def qemu_command(image, firmware, run_dir):
    """Return the qemu command line for ``firmware`` (bios, uefi, uefi-sb)."""
    machine = "q35,smm=on" if firmware == "uefi-sb" else "q35"
    cmd = ["qemu-system-x86_64", "-accel", "tcg,thread=multi", "-cpu", "max", "-machine", machine,
           "-m", "2048", "-smp", "2", "-display", "none", "-no-reboot",
           "-chardev", f"socket,id=ser0,path={run_dir}/serial.sock,server=on,wait=off,logfile={run_dir}/serial.log",
           "-serial", "chardev:ser0", "-monitor", f"unix:{run_dir}/mon.sock,server,nowait"]
    if firmware != "bios":
        code, variables = ("OVMF_CODE_4M.ms.fd", "OVMF_VARS_4M.ms.fd") if firmware == "uefi-sb" else \
            ("OVMF_CODE_4M.fd", "OVMF_VARS_4M.fd")
        shutil.copy(OVMF / variables, run_dir / "vars.fd")
        if firmware == "uefi-sb":
            cmd += ["-global", "driver=cfi.pflash01,property=secure,value=on"]
        cmd += ["-drive", f"if=pflash,format=raw,unit=0,readonly=on,file={OVMF / code}",
                "-drive", f"if=pflash,format=raw,unit=1,file={run_dir / 'vars.fd'}"]
    cmd += ["-drive", f"file={image},format=raw,if=virtio,snapshot=on",
            "-nic", f"user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:{HTTPS_PORT}-:443,"
                    f"hostfwd=udp:127.0.0.1:{SIP_PORT}-:5060"]
    return cmd


class Web:
    """A browser-like HTTPS client of the booted box (cookies; the self-signed certificate accepted)."""

    def __init__(self):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the box made its own certificate at first boot
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context),
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.base = f"https://127.0.0.1:{HTTPS_PORT}"

    def request(self, path, data=None, headers=None, method=None, timeout=30, raw=False):
        """Return (status, body text; bytes when ``raw``)."""
        body = None
        if isinstance(data, dict):
            body = urllib.parse.urlencode(data, doseq=True).encode()
        elif data is not None:
            body = data
        # Flask-WTF checks the Referer of HTTPS form posts against the host nginx passes on: $http_host,
        # with the forwarded port since 4ecd4a8 (a port-less Referer made the first form post a 400).
        headers = {"Referer": self.base + path, **(headers or {})}
        req = urllib.request.Request(self.base + path, data=body, headers=headers, method=method)
        try:
            with self.opener.open(req, timeout=timeout) as response:
                content = response.read()
                return response.status, content if raw else content.decode(errors="replace")
        except urllib.error.HTTPError as error:
            content = error.read()
            return error.code, content if raw else content.decode(errors="replace")


def csrf(html):
    """Return the CSRF token of a page."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def sip_options(timeout=2.0):
    """Send one OPTIONS (with rport: the reply comes back through qemu's NAT); return the status line."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(timeout)
    port = s.getsockname()[1]
    message = (f"OPTIONS sip:127.0.0.1:{SIP_PORT} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{uuid.uuid4().hex[:16]};rport\r\n"
               "Max-Forwards: 70\r\n"
               f"From: <sip:probe@127.0.0.1>;tag={uuid.uuid4().hex[:8]}\r\nTo: <sip:127.0.0.1:{SIP_PORT}>\r\n"
               f"Call-ID: {uuid.uuid4().hex}@127.0.0.1\r\nCSeq: 1 OPTIONS\r\n"
               f"Contact: <sip:probe@127.0.0.1:{port}>\r\nContent-Length: 0\r\n\r\n")
    try:
        s.sendto(message.encode(), ("127.0.0.1", SIP_PORT))
        data, _ = s.recvfrom(65535)
        return data.decode(errors="replace").split("\r\n", 1)[0]
    except OSError:
        return ""
    finally:
        s.close()


def options_as(run_dir, username, password):
    """OPTIONS with digest auth as ``username`` (image/options_auth.xml); return the final status line or ''."""
    log_file = run_dir / "options.log"
    done = subprocess.run(["sipp", f"127.0.0.1:{SIP_PORT}", "-sf", str(HERE / "options_auth.xml"), "-m", "1",
                           "-i", "127.0.0.1", "-p", str(free_port()), "-s", username, "-au", username, "-ap", password,
                           "-nostdin", "-timeout", "15s", "-timeout_error", "-trace_msg",
                           "-message_file", str(log_file)], cwd=run_dir, capture_output=True, timeout=30)
    if done.returncode != 0:
        return ""
    return re.findall(r"SIP/2.0 200 [^\r\n]*", log_file.read_text(errors="replace"))[-1]


def wait_for(what, check, timeout, every=1.0):
    """Call ``check`` until it returns something true (returned) or ``timeout`` passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def first_login(run_dir, web):
    """The console's password → the first login's setup → login with the new one → a token; return API headers."""
    serial = run_dir / "serial.log"
    password = wait_for("the admin password on the console", lambda: re.findall(
        r"Admin password:\s+(\S+)", serial.read_text(errors="replace")) if serial.exists() else None, 120)[-1]
    log("the console shows the admin password")
    status, page = web.request("/login")
    status, page = web.request("/login", {"csrf_token": csrf(page), "username": "admin", "password": password})
    # The generated password leads to the first login's setup (decision 039), and only there.
    assert status == 200 and 'name="confirm_password"' in page, f"no setup page after the first login ({status})"
    chosen = "Image-Test-Own-Pass-1"
    status, page = web.request("/setup", {"csrf_token": csrf(page), "new_password": chosen,
                                          "confirm_password": chosen, "timezone": "America/Sao_Paulo",
                                          "country": "BR"})
    assert status == 200 and 'name="username"' in page, f"setup not saved ({status})"
    log("first login: new password, time zone and country set")
    status, page = web.request("/login", {"csrf_token": csrf(page), "username": "admin", "password": chosen})
    assert status == 200 and 'name="confirm_password"' not in page, status
    status, page = web.request("/admin/api-tokens")
    assert status == 200, f"token page: {status}"
    scopes = sorted(set(re.findall(r'name="scopes"[^>]*value="([^"]+)"', page)))
    status, page = web.request("/admin/api-tokens", {"csrf_token": csrf(page), "name": "image-test",
                                                     "scopes": scopes, "expires_in_days": "0"})
    token = re.search(r'<pre><code>([^<]+)</code></pre>', page)
    assert status == 200 and token, f"no token made ({status})"
    return {"Authorization": f"Bearer {token.group(1).strip()}", "Content-Type": "application/json"}


def prove(run_dir, web, booted_at):
    """Steps 2-4 of the module docstring; return (API headers, phones' credentials) or raise AssertionError."""
    # Asterisk answers an unknown sender's OPTIONS with a challenge (no anonymous endpoint): it is up.
    status = wait_for("Asterisk answering SIP", lambda: sip_options(), 300)
    log(f"SIP OPTIONS (no credentials): {status}")
    bearer = first_login(run_dir, web)
    phones = {}
    for number in ("201", "202"):
        status, body = web.request("/api/v1/extensions", json.dumps({"number": number, "name": f"Test {number}"})
                                   .encode(), headers=bearer, method="POST")
        assert status == 201, f"creating extension {number}: {status} {body[:300]}"
        device = json.loads(body)["device"]
        phones[number] = (device["sip_username"], device["sip_password"])
    log("two extensions made through the REST API")

    options = wait_for("SIP OPTIONS 200 (as extension 201)", lambda: options_as(run_dir, *phones["201"]), 60, every=2)
    log(f"SIP OPTIONS as a phone: {options}")

    sipp = Sipp(SIP_PORT, workdir=run_dir / "sipp", timeout=30)
    callee, caller = phones["202"], phones["201"]
    with sipp.uas(*callee) as answering:
        result = wait_for("the call 201 -> 202 answered", lambda: (lambda r: r if r.ok else None)(
            sipp.call(*caller, "202", hold_seconds=1.0)), 60, every=2.0)
        assert result.ok, str(result)
        answering.wait(timeout=30)
    log("SIPp call 201 -> 202: answered (200), hung up")
    return bearer, phones


def multipart(fields, files):
    """Return (body, content type) of a multipart/form-data request: ``fields`` text, ``files`` name → bytes."""
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in fields.items()]
    parts += [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}.cbk"\r\n'
              f'Content-Type: application/octet-stream\r\n\r\n'.encode() + content + b"\r\n"
              for name, content in files.items()]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def prove_backup(run_dir, web, bearer, phones):
    """Step 5 of the module docstring: an on-demand encrypted backup, then a restore that undoes a deletion."""
    passphrase = "image test backup passphrase"
    status, body = web.request("/api/v1/backups/settings", json.dumps({"passphrase": passphrase}).encode(),
                               headers=bearer, method="PUT")
    assert status == 200 and json.loads(body)["key_set"], f"backup settings: {status} {body[:300]}"
    started = time.monotonic()
    status, body = web.request("/api/v1/backups", b"", headers=bearer, method="POST", timeout=300)
    assert status == 201, f"making a backup: {status} {body[:300]}"
    made = json.loads(body)
    status, content = web.request(f"/api/v1/backups/files/{made['name']}", headers=bearer, raw=True)
    assert status == 200 and content.startswith(b"CENTRALINA-BACKUP\n") and len(content) == made["size"], \
        f"download: {status}, {len(content)} bytes of {made['size']}"
    assert b"SQLite format 3" not in content and phones["202"][1].encode() not in content, "backup not encrypted"
    log(f"encrypted backup made by the API in {time.monotonic() - started:.1f} s and downloaded: "
        f"{made['name']}, {made['size']} bytes")

    status, body = web.request("/api/v1/extensions?q=202", headers=bearer)
    extension = next(row for row in json.loads(body)["items"] if row["number"] == "202")
    status, body = web.request(f"/api/v1/extensions/{extension['id']}", headers=bearer, method="DELETE")
    assert status == 204, f"deleting 202: {status} {body[:300]}"
    wait_for("202's phone refused after its deletion", lambda: not options_as(run_dir, *phones["202"]), 60, every=2)
    log("extension 202 deleted through the API; its phone is refused")

    body, content_type = multipart({"passphrase": "not the passphrase"}, {"file": content})
    status, answer = web.request("/api/v1/backups/restore", body, method="POST",
                                 headers={**bearer, "Content-Type": content_type}, timeout=300)
    assert status == 422 and "passphrase" in answer, f"a wrong passphrase: {status} {answer[:300]}"
    started = time.monotonic()
    body, content_type = multipart({"passphrase": passphrase}, {"file": content})
    status, answer = web.request("/api/v1/backups/restore", body, method="POST",
                                 headers={**bearer, "Content-Type": content_type}, timeout=300)
    assert status == 200 and "database" in json.loads(answer)["restored"], f"restore: {status} {answer[:300]}"
    log(f"restored in {time.monotonic() - started:.1f} s (a wrong passphrase first: 422): "
        f"{json.loads(answer)['restored']}")
    status, body = web.request("/api/v1/extensions?q=202", headers=bearer)
    assert any(row["number"] == "202" for row in json.loads(body)["items"]), "202 not back after the restore"
    options = wait_for("202's phone accepted after the restore", lambda: options_as(run_dir, *phones["202"]), 120,
                       every=2)
    log(f"extension 202 is back; its phone: {options}")
    return content, passphrase


def prove_fresh_restore(run_dir, web, backup, passphrase, old_bearer, phones):
    """Step 6: a fresh box (the image's first boot again) restores the first box's backup."""
    status = wait_for("Asterisk answering SIP", lambda: sip_options(), 300)
    bearer = first_login(run_dir, web)  # this box's own generated password, setup, token
    status, body = web.request("/api/v1/extensions", headers=bearer)
    assert status == 200 and not json.loads(body)["items"], f"a fresh box has extensions: {status} {body[:300]}"
    started = time.monotonic()
    body, content_type = multipart({"passphrase": passphrase}, {"file": backup})
    status, answer = web.request("/api/v1/backups/restore", body, method="POST",
                                 headers={**bearer, "Content-Type": content_type}, timeout=300)
    assert status == 200, f"restore on the fresh box: {status} {answer[:300]}"
    log(f"fresh box: the first box's backup restored in {time.monotonic() - started:.1f} s: "
        f"{json.loads(answer)['restored']}")
    # The database is the first box's now: its token works, this box's does not.
    status, body = web.request("/api/v1/extensions", headers=old_bearer)
    numbers = sorted(row["number"] for row in json.loads(body)["items"]) if status == 200 else []
    assert numbers == ["201", "202"], f"after the restore, with the first box's token: {status} {body[:300]}"
    refused, _ = web.request("/api/v1/extensions", headers=bearer)
    assert refused == 401, f"the fresh box's own token still works after the restore ({refused})"
    for number in ("201", "202"):
        options = wait_for(f"{number}'s phone accepted by the fresh box",
                           lambda number=number: options_as(run_dir, *phones[number]), 120, every=2)
    log(f"fresh box: extensions {numbers} by the first box's token (its own refused: {refused}); "
        f"both phones accepted: {options}")


class EmulatorPanic(AssertionError):
    """The guest kernel panicked while booting, before the web page answered."""


def boot(image, firmware, run_dir):
    """Start qemu; return (process, web client) once the HTTPS login page answers.

    Raise EmulatorPanic when the kernel panicked first (panic=10 and -no-reboot end qemu), with the
    kernel's first Oops or panic line.
    """
    qemu = subprocess.Popen(qemu_command(image, firmware, run_dir), stdin=subprocess.DEVNULL,
                            stdout=open(run_dir / "qemu.out", "w"), stderr=subprocess.STDOUT)
    web = Web()

    def page():
        if qemu.poll() is not None:
            serial = (run_dir / "serial.log").read_text(errors="replace") if (run_dir / "serial.log").exists() else ""
            cause = re.search(r"(Oops: .*|Kernel panic - .*)", serial)
            if cause:
                raise EmulatorPanic(f"the kernel panicked ({cause.group(1).strip()}); see {run_dir}")
            raise AssertionError(f"qemu exited ({qemu.returncode}); see {run_dir}")
        try:
            # Long enough for the first request: a slow machine takes minutes to load the app.
            return web.request("/login", timeout=120)[0] == 200
        except OSError:
            return False

    try:
        wait_for("the login page over HTTPS", page, BOOT_TIMEOUT, every=1.0)
    except AssertionError:
        stop(qemu, run_dir)
        raise
    return qemu, web


def boot_with_retries(image, firmware, boots):
    """Boot (again after a kernel panic, up to ``boots`` times); return (qemu, web, run dir, start) or None."""
    for attempt in range(1, boots + 1):
        run_dir = Path(tempfile.mkdtemp(prefix="centralina-boot-"))
        log(f"booting {image} ({firmware}), boot {attempt}; serial log {run_dir / 'serial.log'}")
        started = time.monotonic()
        try:
            qemu, web = boot(image, firmware, run_dir)
        except EmulatorPanic as error:
            log(f"boot {attempt} failed: {error}")
            continue
        except AssertionError as error:
            log(f"FAILED: {error}")
            print((run_dir / "serial.log").read_text(errors="replace")[-3000:] if (run_dir / "serial.log").exists()
                  else "")
            return None
        log(f"boot to web (HTTPS login page): {time.monotonic() - started:.1f} s")
        return qemu, web, run_dir, started
    return None


def main():
    """Boot, prove, stop (and again for the fresh box); exit 0 only when every step passed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--image", default=str(HERE / "out" / "centralina.img"))
    parser.add_argument("--firmware", choices=["bios", "uefi", "uefi-sb"], default="bios")
    parser.add_argument("--keep", action="store_true", help="leave the machine running (prints its PID)")
    parser.add_argument("--boots", type=int, default=2,
                        help="boots tried when the kernel panics before the web answers (qemu TCG on a loaded "
                             "host: an int3 Oops in patched kernel text, a known multi-threaded TCG race)")
    parser.add_argument("--no-fresh-restore", action="store_true",
                        help="skip step 6 (a second boot that restores the backup on a fresh box)")
    args = parser.parse_args()
    ok = False
    for box in (1, 2):
        booted = boot_with_retries(args.image, args.firmware, args.boots)
        if booted is None:
            ok = False
            break
        qemu, web, run_dir, started = booted
        try:
            if box == 1:
                bearer, phones = prove(run_dir, web, started)
                backup, passphrase = prove_backup(run_dir, web, bearer, phones)
            else:
                prove_fresh_restore(run_dir, web, backup, passphrase, bearer, phones)
            ok = True
        except AssertionError as error:
            ok = False
            log(f"FAILED: {error}")
            tail = (run_dir / "serial.log").read_text(errors="replace")[-3000:] \
                if (run_dir / "serial.log").exists() else ""
            print(tail)
        finally:
            if args.keep and qemu.poll() is None:
                log(f"left running: qemu pid {qemu.pid}, monitor {run_dir / 'mon.sock'}")
            else:
                stop(qemu, run_dir)
        if not ok or box == 2 or args.no_fresh_restore or args.keep:
            break
        log("box 2: the same image booted fresh, to restore box 1's backup")
    log("PASSED" if ok else "FAILED")
    return 0 if ok else 1


def stop(qemu, run_dir):
    """Power the machine off (ACPI), then quit qemu, then kill its PID."""
    for command, wait in (("system_powerdown", 60), ("quit", 10)):
        if qemu.poll() is not None:
            break
        try:
            with socket.socket(socket.AF_UNIX) as monitor:
                monitor.connect(str(run_dir / "mon.sock"))
                monitor.sendall(command.encode() + b"\n")
        except OSError:
            pass
        try:
            qemu.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            pass
    if qemu.poll() is None:
        qemu.kill()
        qemu.wait()


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main())
