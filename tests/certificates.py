"""Certificates made on the spot for tests (cryptography): a CA, an intermediate, leaves, keys of every kind."""
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

NOW = datetime.datetime.now(datetime.UTC)
DAY = datetime.timedelta(days=1)


def ec_key():
    """A new EC P-256 key (fast)."""
    return ec.generate_private_key(ec.SECP256R1())


def rsa_key(bits=2048):
    """A new RSA key of ``bits``."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def certificate(subject, key, issuer=None, issuer_key=None, ca=False, not_before=None, not_after=None,
                names=("pbx.example.com",)):
    """Return an x509 certificate of ``subject`` for ``key``, signed by ``issuer_key`` (itself by default)."""
    issuer_name = issuer.subject if issuer is not None else _name(subject)
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer_name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(not_before or NOW - DAY).not_valid_after(not_after or NOW + 365 * DAY)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def pem(*certs):
    """Return the PEM text of ``certs`` one after the other."""
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in certs).decode()


def key_pem(key, passphrase=None, traditional=False):
    """Return the PEM text of a private key (PKCS#8, or the traditional form; encrypted with ``passphrase``)."""
    encryption = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
                  else serialization.NoEncryption())
    form = serialization.PrivateFormat.TraditionalOpenSSL if traditional else serialization.PrivateFormat.PKCS8
    return key.private_bytes(serialization.Encoding.PEM, form, encryption).decode()


class Chain:
    """A root CA, an intermediate it signed, and a leaf the intermediate signed (with its key)."""

    def __init__(self, leaf_key=None, **leaf_options):
        self.root_key, self.intermediate_key = ec_key(), ec_key()
        self.root = certificate("Test Root CA", self.root_key, ca=True)
        self.intermediate = certificate("Test Intermediate", self.intermediate_key, self.root, self.root_key, ca=True)
        self.leaf_key = leaf_key or ec_key()
        self.leaf = certificate("pbx.example.com", self.leaf_key, self.intermediate, self.intermediate_key,
                                **leaf_options)

    @property
    def key(self):
        """The leaf's private key as PEM text."""
        return key_pem(self.leaf_key)
