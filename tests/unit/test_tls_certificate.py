"""The TLS certificate: every bad upload refused with its own message and nothing written; a good one written
atomically with the right modes and the previous pair kept; a self-signed one made for this box."""
import functools
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from appliance import tls_files
from appliance.errors import ValidationError
from appliance.models.users import AuditEntry
from appliance.services import Actor, tls_certificate
from tests.certificates import DAY, NOW, Chain, certificate, ec_key, key_pem, pem, rsa_key

ACTOR = Actor.system("test")
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def tls(database, tmp_path):
    """Settings whose TLS folder holds a first (self-signed) pair, as the first boot leaves it."""
    folder = tmp_path / "tls"
    folder.mkdir()
    first_key = ec_key()
    tls_files.write_pair(folder, pem(certificate("first.example.com", first_key)).encode(),
                         key_pem(first_key).encode())
    return {"TLS_DIR": str(folder)}


def _backup_box(tls, tmp_path):
    """The box of ``tls`` with a database and the backup key set; return its settings."""
    from appliance.services import backups
    conf = {**tls, "VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}", "TIMEZONE": "UTC"}
    backups.save_settings(backups.BackupSettingsInput(passphrase=PASSPHRASE, confirm_passphrase=PASSPHRASE,
                                                      include_prompts=False, include_voicemail=False), ACTOR)
    return conf


def _disk(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _refused(conf, certificate_text, chain_text, key_text):
    folder = tls_files.folder(conf)
    before = _disk(folder)
    with pytest.raises(ValidationError) as error:
        tls_certificate.replace(conf, certificate_text, chain_text, key_text, ACTOR)
    assert _disk(folder) == before  # nothing changed, not even a temporary left behind
    assert not AuditEntry.select().where(AuditEntry.action == "tls.replace").exists()
    (field, (message, params)), = error.value.fields.items()
    return field, message % params if params else message


def test_a_good_chain_is_written_atomically_with_its_modes_and_the_previous_pair_kept(tls):
    folder = tls_files.folder(tls)
    first_cert, first_key = (folder / "cert.pem").read_bytes(), (folder / "key.pem").read_bytes()
    chain = Chain()
    info = tls_certificate.replace(tls, pem(chain.leaf), pem(chain.intermediate), chain.key, ACTOR)
    assert info.subject == "CN=pbx.example.com" and info.issuer == "CN=Test Intermediate"
    assert info.sans == ["DNS:pbx.example.com"] and info.key_type == "EC secp256r1"
    assert not info.self_signed and info.chain_length == 1 and not info.expires_soon and not info.warnings
    written = x509.load_pem_x509_certificates((folder / "cert.pem").read_bytes())
    assert [c.subject for c in written] == [chain.leaf.subject, chain.intermediate.subject]  # leaf + chain
    assert info.fingerprint_sha256 == tls_certificate.fingerprint(written[0])
    assert (folder / "cert.pem.previous").read_bytes() == first_cert
    assert (folder / "key.pem.previous").read_bytes() == first_key
    assert stat.S_IMODE((folder / "key.pem").stat().st_mode) == 0o640
    assert stat.S_IMODE((folder / "cert.pem").stat().st_mode) == 0o644
    assert (folder / "key.pem").stat().st_gid == folder.stat().st_gid  # the group nginx reads through
    assert sorted(os.listdir(folder)) == ["cert.pem", "cert.pem.previous", "key.pem", "key.pem.previous"]
    entry = AuditEntry.get(AuditEntry.action == "tls.replace")
    assert info.fingerprint_sha256 in entry.after and "PRIVATE" not in entry.after + entry.before
    current = tls_certificate.current(tls)
    assert current.fingerprint_sha256 == info.fingerprint_sha256 and current.chain_length == 1


def test_a_full_chain_in_the_certificate_field_and_an_rsa_key_in_the_traditional_form(tls):
    chain = Chain(leaf_key=rsa_key(2048))
    info = tls_certificate.replace(tls, pem(chain.leaf, chain.intermediate), "",
                                   key_pem(chain.leaf_key, traditional=True), ACTOR)
    assert info.key_type == "RSA 2048" and info.chain_length == 1


def test_expiring_within_thirty_days_is_accepted_with_a_warning(tls):
    chain = Chain(not_after=NOW + 10 * DAY)
    info = tls_certificate.replace(tls, pem(chain.leaf), "", chain.key, ACTOR)
    assert info.expires_soon and info.days_left in (9, 10)
    (message, params), = info.warnings
    assert "expires in" in message % params


@functools.cache
def _bad_inputs():
    chain = Chain()
    other = ec_key()
    expired = Chain(not_before=NOW - 400 * DAY, not_after=NOW - DAY)
    future = Chain(not_before=NOW + 2 * DAY)
    weak_key = rsa_key(1024)
    weak = certificate("pbx.example.com", weak_key)
    small_key = ec.generate_private_key(ec.SECP192R1())
    cases = {
        "garbage": (("certificate",), "PEM format", ("hello, not a certificate", "", chain.key)),
        "empty certificate": (("certificate",), "PEM format", ("", "", chain.key)),
        "damaged certificate": (("certificate",), "damaged", (
            "-----BEGIN CERTIFICATE-----\nMIIBnotbase64\n-----END CERTIFICATE-----\n", "", chain.key)),
        "garbage key": (("private_key",), "cannot be read", (pem(chain.leaf), "", "-----BEGIN PRIVATE KEY-----\nAA\n"
                                                                               "-----END PRIVATE KEY-----\n")),
        "no key": (("private_key",), "PEM format", (pem(chain.leaf), "", "")),
        "mismatched key": (("private_key",), "does not belong", (pem(chain.leaf), "", key_pem(other))),
        "expired": (("certificate",), "expired on", (pem(expired.leaf), "", expired.key)),
        "not yet valid": (("certificate",), "valid only from", (pem(future.leaf), "", future.key)),
        "chain in the wrong order": (("chain",), "not in order", (pem(chain.leaf), pem(chain.root, chain.intermediate),
                                                                  chain.key)),
        "full chain in the wrong order": (("certificate",), "not in order", (pem(chain.leaf, chain.root), "",
                                                                            chain.key)),
        "weak RSA 1024": (("private_key",), "too weak", (pem(weak), "", key_pem(weak_key))),
        "encrypted key": (("private_key",), "passphrase", (pem(chain.leaf), "", key_pem(chain.leaf_key, "secret"))),
        "encrypted traditional key": (("private_key",), "passphrase", (
            pem(chain.leaf), "", key_pem(chain.leaf_key, "secret", traditional=True))),
        "too large": (("certificate",), "too large", (pem(chain.leaf) + "x" * 70_000, "", chain.key)),
        "too large key": (("private_key",), "too large", (pem(chain.leaf), "", "x" * 20_000)),
    }
    cases["EC P-192"] = (("private_key",), "too weak", (pem(certificate("pbx.example.com", small_key)), "",
                                                        key_pem(small_key)))
    return cases


BAD_CASES = ["garbage", "empty certificate", "damaged certificate", "garbage key", "no key", "mismatched key",
             "expired", "not yet valid", "chain in the wrong order", "full chain in the wrong order", "weak RSA 1024",
             "encrypted key", "encrypted traditional key", "too large", "too large key", "EC P-192"]


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_is_refused_with_its_message_and_changes_nothing(tls, case):
    fields, words, arguments = _bad_inputs()[case]
    field, message = _refused(tls, *arguments)
    assert field in fields and words in message, (field, message)


def test_the_previous_pair_is_kept_only_once_and_refusals_never_touch_it(tls):
    folder = tls_files.folder(tls)
    one, two = Chain(), Chain()
    tls_certificate.replace(tls, pem(one.leaf), "", one.key, ACTOR)
    first_previous = (folder / "cert.pem.previous").read_bytes()
    tls_certificate.replace(tls, pem(two.leaf), "", two.key, ACTOR)
    assert (folder / "cert.pem.previous").read_bytes() == pem(one.leaf).encode() != first_previous
    assert (folder / "key.pem.previous").read_bytes().strip() == one.key.encode().strip()


def test_a_new_self_signed_certificate_names_this_box(tls, monkeypatch):
    monkeypatch.setattr(tls_certificate.socket, "gethostname", lambda: "centralina")
    monkeypatch.setattr(tls_certificate.lan_address, "detect", lambda: "192.168.10.5")
    info = tls_certificate.regenerate_self_signed(tls, ACTOR)
    assert info.self_signed and info.key_type == "EC secp256r1" and info.subject == "CN=centralina"
    assert info.sans == ["DNS:centralina", "DNS:centralina.local", "IP:192.168.10.5", "IP:127.0.0.1"]
    assert tls_certificate.current(tls).fingerprint_sha256 == info.fingerprint_sha256
    assert tls_certificate.check_restorable(*tls_files.read_pair(tls_files.folder(tls)))
    assert AuditEntry.select().where(AuditEntry.action == "tls.self_signed").exists()


def test_an_unwritable_folder_is_said_and_audits_nothing(tls, tmp_path):
    from appliance.errors import Unavailable
    blocker = tmp_path / "file"
    blocker.write_text("x")
    chain = Chain()
    with pytest.raises(Unavailable):
        tls_certificate.replace({"TLS_DIR": str(blocker / "tls")}, pem(chain.leaf), "", chain.key, ACTOR)
    assert not AuditEntry.select().where(AuditEntry.action == "tls.replace").exists()


def test_no_certificate_yet(database, tmp_path):
    assert tls_certificate.current({"TLS_DIR": str(tmp_path / "none")}) is None
    assert tls_certificate.current({"TLS_DIR": ""}) is None


def test_a_backup_carries_the_pair_and_a_restore_puts_it_back(tls, tmp_path):
    from appliance.services import backup_restore, backups
    conf = _backup_box(tls, tmp_path)
    original = tls_certificate.current(conf).fingerprint_sha256
    path = backups.create_backup(conf, ACTOR)
    chain = Chain()
    assert tls_certificate.replace(conf, pem(chain.leaf), "", chain.key, ACTOR).fingerprint_sha256 != original
    with open(path, "rb") as upload:
        restored = backup_restore.restore(conf, upload, PASSPHRASE, ACTOR)
    assert "certificates" in restored
    assert tls_certificate.current(conf).fingerprint_sha256 == original
    folder = tls_files.folder(conf)
    assert stat.S_IMODE((folder / "key.pem").stat().st_mode) == 0o640
    assert (folder / "cert.pem.previous").read_bytes() == pem(chain.leaf).encode()  # the replaced one, kept
    assert tls_certificate.check_restorable(*tls_files.read_pair(folder))


def test_a_backup_whose_key_does_not_match_its_certificate_is_refused_whole(tls, tmp_path):
    from appliance.services import backup_restore, backups
    conf = _backup_box(tls, tmp_path)
    folder = tls_files.folder(conf)
    cert, _key = tls_files.read_pair(folder)
    tls_files.write_pair(folder, cert, key_pem(ec_key()).encode())  # past the service: a pair that does not match
    path = backups.create_backup(conf, ACTOR)
    chain = Chain()
    tls_certificate.replace(conf, pem(chain.leaf), "", chain.key, ACTOR)
    before = _disk(folder)
    with open(path, "rb") as upload, pytest.raises(ValidationError) as error:
        backup_restore.restore(conf, upload, PASSPHRASE, ACTOR)
    assert set(error.value.fields) == {"file"} and _disk(folder) == before


def test_a_restore_where_the_folder_cannot_be_written_restores_the_rest(tls, tmp_path):
    from appliance.services import backup_restore, backups
    conf = _backup_box(tls, tmp_path)
    path = backups.create_backup(conf, ACTOR)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with open(path, "rb") as upload:
        restored = backup_restore.restore({**conf, "TLS_DIR": str(blocker / "tls")}, upload, PASSPHRASE, ACTOR)
    assert "database" in restored and "certificates" not in restored


def test_the_modes_hold_under_the_web_apps_umask(tmp_path):
    folder = tmp_path / "tls"
    folder.mkdir()
    key = ec_key()
    previous = os.umask(0o077)  # the web unit's UMask
    try:
        tls_files.write_pair(folder, pem(certificate("x", key)).encode(), key_pem(key).encode())
    finally:
        os.umask(previous)
    assert stat.S_IMODE((folder / "key.pem").stat().st_mode) == 0o640
    assert stat.S_IMODE((folder / "cert.pem").stat().st_mode) == 0o644


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv")
def test_the_app_user_writes_into_the_setgid_folder_and_nginxs_group_reads():
    """As on the appliance: the folder is the app user's, setgid with nginx's group the app user is not in."""
    import pwd
    import tempfile
    nobody = pwd.getpwnam("nobody")
    key = ec_key()
    cert_pem, key_text = pem(certificate("x", key)).encode(), key_pem(key).encode()
    with tempfile.TemporaryDirectory(dir="/tmp") as top:  # pytest's own tmp folders are root's alone
        os.chmod(top, 0o755)
        folder = Path(top) / "tls"
        folder.mkdir()
        os.chown(folder, nobody.pw_uid, 33)  # www-data's gid
        folder.chmod(0o2750)
        # The writer alone (it needs only os and pathlib), beside the folder: a checkout may be root's alone.
        shutil.copy(tls_files.__file__, top)
        code = ("import sys; from pathlib import Path; import tls_files; "
                "cert, key = sys.stdin.buffer.read().split(b'\\n--split--\\n'); "
                f"tls_files.write_pair(Path('{folder}'), cert, key)")
        run = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", sys.executable,
                              "-c", code], cwd=top, env={"PYTHONPATH": top, "PATH": "/usr/bin:/bin"},
                             input=cert_pem + b"\n--split--\n" + key_text, capture_output=True, timeout=60)
        assert run.returncode == 0, run.stderr.decode(errors="replace")
        written = (folder / "key.pem").stat()
        assert (written.st_uid, written.st_gid, stat.S_IMODE(written.st_mode)) == (nobody.pw_uid, 33, 0o640)
        assert (folder / "key.pem").read_bytes() == key_text
