"""The web server's TLS certificate: what is in force, replacing it, a new self-signed one (decision 051).

Everything an admin pastes or uploads is checked here before anything is written: PEM that parses,
a private key without a passphrase that belongs to the certificate, RSA of at least 2048 bits or EC on
P-256/P-384/P-521, a chain in order (each certificate signed by the next), a leaf valid now (expiring
within EXPIRY_WARNING_DAYS is a warning, not an error). A refusal names its field and changes nothing;
an accepted pair goes to disk through appliance/tls_files.py (atomic, the previous pair kept), where a
systemd path unit reloads nginx. The private key is never logged, answered or audited: the audit log
records fingerprints.
"""
import datetime
import ipaddress
import socket
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.x509.oid import NameOID

from appliance import lan_address, tls_files
from appliance.db import database
from appliance.errors import NotFound, Unavailable, ValidationError
from appliance.i18n import N_
from appliance.services import audit

#: Largest certificate (+ chain) and key accepted, in bytes: a long chain of RSA-4096 certificates is ~12 KB.
MAX_CERT_BYTES = 64 * 1024
MAX_KEY_BYTES = 16 * 1024
MAX_CHAIN = 8
MIN_RSA_BITS = 2048
CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
EXPIRY_WARNING_DAYS = 30
SELF_SIGNED_DAYS = 3650
_BEGIN_CERT = b"-----BEGIN CERTIFICATE-----"


@dataclass
class CertificateInfo:
    """What the page and the API show of a certificate (never anything of its key)."""

    subject: str
    issuer: str
    sans: list
    not_before: datetime.datetime
    not_after: datetime.datetime
    fingerprint_sha256: str
    self_signed: bool
    key_type: str
    chain_length: int = 0
    days_left: int = 0
    expires_soon: bool = False
    warnings: list = field(default_factory=list)


def _utcnow():
    return datetime.datetime.now(datetime.UTC)


def _as_bytes(text):
    return text.encode("utf-8", "replace") if isinstance(text, str) else bytes(text or b"")


def _key_type(public_key):
    if isinstance(public_key, rsa.RSAPublicKey):
        return f"RSA {public_key.key_size}"
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return f"EC {public_key.curve.name}"
    if isinstance(public_key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        return type(public_key).__name__.replace("PublicKey", "")
    return type(public_key).__name__


def _strong_enough(public_key):
    if isinstance(public_key, rsa.RSAPublicKey):
        return public_key.key_size >= MIN_RSA_BITS
    return isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, CURVES)


def _sans(cert):
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return ([f"DNS:{name}" for name in names.get_values_for_type(x509.DNSName)]
            + [f"IP:{address}" for address in names.get_values_for_type(x509.IPAddress)])


def fingerprint(cert):
    """Return the SHA-256 fingerprint of ``cert`` as colon-separated upper-case hex."""
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def describe(cert, chain=(), now=None):
    """Return the CertificateInfo of the x509 certificate ``cert`` (``chain``: the certificates after it)."""
    now = now or _utcnow()
    left = cert.not_valid_after_utc - now
    info = CertificateInfo(
        subject=cert.subject.rfc4514_string(), issuer=cert.issuer.rfc4514_string(), sans=_sans(cert),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc,
        fingerprint_sha256=fingerprint(cert), self_signed=_self_signed(cert),
        key_type=_key_type(cert.public_key()), chain_length=len(chain), days_left=left.days,
        expires_soon=left < datetime.timedelta(days=EXPIRY_WARNING_DAYS))
    if info.expires_soon and left > datetime.timedelta(0):
        info.warnings.append((N_("This certificate expires in %(days)d days: replace it soon."),
                              {"days": left.days}))
    return info


def _self_signed(cert):
    if cert.issuer != cert.subject:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def current(conf, now=None):
    """Return the CertificateInfo of the certificate in force (TLS_DIR/cert.pem), or None without one."""
    directory = tls_files.folder(conf)
    data = tls_files.read_cert(directory) if directory else None
    if not data:
        return None
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError:
        return None
    return describe(certs[0], certs[1:], now)


def reload_failure(conf):
    """Return nginx's words when it refused the last pair and the previous one was put back, or ""."""
    directory = tls_files.folder(conf)
    return tls_files.reload_failure(directory) if directory else ""


def _load_certs(data, field_name, required):
    data = _as_bytes(data).strip()
    if not data:
        if required:
            raise ValidationError.one(field_name, N_("Paste or upload a certificate in PEM format "
                                                     "(-----BEGIN CERTIFICATE-----)."))
        return []
    if len(data) > MAX_CERT_BYTES:
        raise ValidationError.one(field_name, N_("This is too large for a certificate (at most %(kb)d KB)."),
                                  kb=MAX_CERT_BYTES // 1024)
    if _BEGIN_CERT not in data:
        raise ValidationError.one(field_name, N_("Paste or upload a certificate in PEM format "
                                                 "(-----BEGIN CERTIFICATE-----)."))
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise ValidationError.one(field_name, N_("This certificate cannot be read: it is damaged or not in PEM "
                                                 "format.")) from exc
    if len(certs) > MAX_CHAIN + 1:
        raise ValidationError.one(field_name, N_("At most %(count)d certificates in a chain."), count=MAX_CHAIN)
    return certs


def _load_key(data):
    data = _as_bytes(data).strip()
    if not data:
        raise ValidationError.one("private_key", N_("Paste or upload the private key in PEM format "
                                                    "(-----BEGIN PRIVATE KEY-----)."))
    if len(data) > MAX_KEY_BYTES:
        raise ValidationError.one("private_key", N_("This is too large for a private key (at most %(kb)d KB)."),
                                  kb=MAX_KEY_BYTES // 1024)
    if b"ENCRYPTED" in data:
        raise ValidationError.one("private_key", N_("This private key is protected by a passphrase. Export it "
                                                    "without one (openssl pkey -in key.pem -out plain.pem)."))
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:  # encrypted in a form the marker above does not show
        raise ValidationError.one("private_key", N_("This private key is protected by a passphrase. Export it "
                                                    "without one (openssl pkey -in key.pem -out plain.pem).")) from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ValidationError.one("private_key", N_("This private key cannot be read: it is damaged or not in "
                                                    "PEM format.")) from exc


def _public_der(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _date(moment):
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _check_chain(certs, chain_field, now):
    for number, (child, parent) in enumerate(zip(certs, certs[1:], strict=False), start=1):
        try:
            ordered = child.issuer == parent.subject
            if ordered:
                child.verify_directly_issued_by(parent)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            ordered = False
        if not ordered:
            raise ValidationError.one(chain_field, N_("The chain is not in order: certificate %(number)d is not "
                                                      "signed by the one after it (the leaf first, then each "
                                                      "issuer)."), number=number)
    for cert in certs[1:]:
        if cert.not_valid_after_utc <= now:
            raise ValidationError.one(chain_field, N_("A certificate of the chain (%(subject)s) expired on "
                                                      "%(date)s."), subject=cert.subject.rfc4514_string(),
                                      date=_date(cert.not_valid_after_utc))


def check(certificate, chain, private_key, now=None):
    """Check a certificate (PEM; may carry its chain after it), an optional chain and the private key.

    Return ``(pem of leaf + chain, pem of the key, CertificateInfo)``; raise ValidationError naming the
    field (``certificate``, ``chain``, ``private_key``) when anything is wrong.
    """
    now = now or _utcnow()
    given = _load_certs(certificate, "certificate", required=True)
    extra = _load_certs(chain, "chain", required=False)
    certs = given + extra
    if len(certs) > MAX_CHAIN + 1:
        raise ValidationError.one("chain", N_("At most %(count)d certificates in a chain."), count=MAX_CHAIN)
    leaf = certs[0]
    if leaf.not_valid_after_utc <= now:
        raise ValidationError.one("certificate", N_("This certificate expired on %(date)s."),
                                  date=_date(leaf.not_valid_after_utc))
    if leaf.not_valid_before_utc > now:
        raise ValidationError.one("certificate", N_("This certificate is valid only from %(date)s (check the "
                                                    "box's clock)."), date=_date(leaf.not_valid_before_utc))
    key = _load_key(private_key)
    if not _strong_enough(key.public_key()):
        raise ValidationError.one("private_key", N_("This key is too weak or of an unsupported type (%(kind)s): "
                                                    "use RSA of at least 2048 bits or EC on P-256, P-384 or "
                                                    "P-521."), kind=_key_type(key.public_key()))
    if _public_der(key.public_key()) != _public_der(leaf.public_key()):
        raise ValidationError.one("private_key", N_("This private key does not belong to the certificate."))
    _check_chain(certs, "chain" if extra else "certificate", now)
    cert_pem = b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert_pem, key_pem, describe(leaf, certs[1:], now)


def check_restorable(cert_pem, key_pem):
    """Return whether a pair read from a backup parses and belongs together (its dates are not judged)."""
    try:
        certs = x509.load_pem_x509_certificates(cert_pem)
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return _public_der(key.public_key()) == _public_der(certs[0].public_key())


def _folder_or_fail(conf):
    directory = tls_files.folder(conf)
    if directory is None:
        raise NotFound(N_("This installation serves no TLS certificate of its own (TLS_DIR is not set)."))
    return directory


def install(conf, cert_pem, key_pem, actor, action, info):
    """Write a checked pair into TLS_DIR and audit ``action`` with the fingerprints (never the key)."""
    directory = _folder_or_fail(conf)
    old = current(conf)
    with database.atomic():
        audit.record(actor, action, "tls_certificate", info.fingerprint_sha256, info.subject,
                     before={"fingerprint": old.fingerprint_sha256, "subject": old.subject} if old else {},
                     after={"fingerprint": info.fingerprint_sha256, "subject": info.subject,
                            "not_after": info.not_after.isoformat()})
        try:
            tls_files.write_pair(directory, cert_pem, key_pem)
        except OSError as exc:  # the audit entry rolls back with it
            raise Unavailable(N_("The certificate could not be written to %(folder)s."),
                              folder=str(directory)) from exc
    return info


def replace(conf, certificate, chain, private_key, actor, now=None):
    """Check and install an admin's certificate (+ chain) and key; return its CertificateInfo (with warnings)."""
    _folder_or_fail(conf)
    cert_pem, key_pem, info = check(certificate, chain, private_key, now)
    return install(conf, cert_pem, key_pem, actor, "tls.replace", info)


def box_names(conf):
    """Return ``(host names, IP addresses)`` a self-signed certificate of this box names."""
    host = socket.gethostname() or "centralina"
    names = [host] + ([f"{host}.local"] if "." not in host else [])
    addresses = []
    for candidate in (lan_address.detect(), "127.0.0.1"):
        if candidate and candidate not in addresses:
            addresses.append(candidate)
    return names, addresses


def self_signed_pair(names, addresses, now=None):
    """Return ``(cert pem, key pem)`` of a new self-signed EC P-256 certificate for these names and addresses."""
    now = now or _utcnow()
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0][:64])])
    alt = [x509.DNSName(name) for name in names] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=SELF_SIGNED_DAYS))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def regenerate_self_signed(conf, actor, now=None):
    """Make and install a new self-signed certificate with this box's names and addresses; return its info."""
    _folder_or_fail(conf)
    names, addresses = box_names(conf)
    cert_pem, key_pem = self_signed_pair(names, addresses, now)
    info = describe(x509.load_pem_x509_certificate(cert_pem), (), now)
    return install(conf, cert_pem, key_pem, actor, "tls.self_signed", info)
