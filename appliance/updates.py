"""Update bundles: the image files, their SHA256SUMS and an Ed25519 signature of it (decision 039).

An update is the same ``centralina.img.zst`` (+ ``.bmap``) the USB stick uses, with the ``SHA256SUMS``
``make image`` writes. The release signs SHA256SUMS (``SHA256SUMS.sig``: the raw 64-byte Ed25519
signature) with the project's private key, kept off the build machine; the appliance carries the
public key and accepts a bundle only when the signature holds and every file named in SHA256SUMS
is there with that hash. Nothing is written before ``verify`` passes (the A/B installer of decision
028 streams the root partition onto the inactive slot only then).

``python -m appliance.updates sign DIR KEY.pem`` (release) and ``verify DIR PUBLIC.pem`` (appliance).
"""
import hashlib
import re
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SUMS, SIGNATURE = "SHA256SUMS", "SHA256SUMS.sig"
#: "<64 hex>  <name>" (sha256sum's text mode) or "<64 hex> *<name>" (binary mode); plain names only.
_LINE = re.compile(r"([0-9a-f]{64}) [ *]([A-Za-z0-9._-]+)")


class BundleError(Exception):
    """The bundle is not signed by the project's key, or a file is missing or altered."""


def _public_key(pem):
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise BundleError("the update key is not an Ed25519 public key")
    return key


def sign(directory, private_pem):
    """Write ``SHA256SUMS.sig`` for the bundle in ``directory`` with the Ed25519 private key ``private_pem``."""
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise BundleError("the signing key is not an Ed25519 private key")
    directory = Path(directory)
    (directory / SIGNATURE).write_bytes(key.sign((directory / SUMS).read_bytes()))


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(directory, public_pem):
    """Check the bundle in ``directory``; return ``{name: sha256}`` of its files or raise BundleError."""
    directory = Path(directory)
    try:
        sums = (directory / SUMS).read_bytes()
        signature = (directory / SIGNATURE).read_bytes()
    except FileNotFoundError as exc:
        raise BundleError(f"missing {Path(exc.filename).name}") from exc
    try:
        _public_key(public_pem).verify(signature, sums)
    except InvalidSignature as exc:
        raise BundleError("SHA256SUMS is not signed by the update key") from exc
    files = {}
    for line in sums.decode("ascii", "replace").splitlines():
        match = _LINE.fullmatch(line.strip())
        if not match:
            raise BundleError(f"unreadable line in SHA256SUMS: {line[:80]!r}")
        files[match.group(2)] = match.group(1)
    if not files:
        raise BundleError("SHA256SUMS names no file")
    for name, expected in files.items():
        path = directory / name
        if not path.is_file():
            raise BundleError(f"missing {name}")
        if _sha256(path) != expected:
            raise BundleError(f"{name} does not match SHA256SUMS")
    return files


def main(argv=None):
    """``sign DIR PRIVATE.pem`` or ``verify DIR PUBLIC.pem``; exit 1 when a bundle does not verify."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 3 or argv[0] not in ("sign", "verify"):
        print("usage: python -m appliance.updates sign|verify DIR KEY.pem", file=sys.stderr)
        return 2
    action, directory, key = argv
    try:
        if action == "sign":
            sign(directory, Path(key).read_bytes())
            print(f"signed {Path(directory) / SUMS}")
        else:
            files = verify(directory, Path(key).read_bytes())
            print("verified: " + ", ".join(sorted(files)))
    except BundleError as exc:
        print(f"update bundle refused: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
