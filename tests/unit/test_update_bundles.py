"""Update bundles: accepted only when SHA256SUMS is signed by the update key and every file matches it."""
import hashlib

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from appliance import updates


def _pem(key):
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()),
            key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


@pytest.fixture
def bundle(tmp_path):
    private, public = _pem(Ed25519PrivateKey.generate())
    files = {"centralina.img.zst": b"image" * 1000, "centralina.img.bmap": b"<bmap/>"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "SHA256SUMS").write_text("".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in files.items()))
    (tmp_path / "key.pem").write_bytes(private)
    assert updates.main(["sign", str(tmp_path), str(tmp_path / "key.pem")]) == 0
    (tmp_path / "key.pem").unlink()
    return tmp_path, public


def test_a_signed_bundle_verifies(bundle):
    folder, public = bundle
    assert set(updates.verify(folder, public)) == {"centralina.img.zst", "centralina.img.bmap"}


def test_another_key_an_altered_file_or_list_is_refused(bundle):
    folder, public = bundle
    _, stranger = _pem(Ed25519PrivateKey.generate())
    with pytest.raises(updates.BundleError, match="not signed"):
        updates.verify(folder, stranger)
    image = folder / "centralina.img.zst"
    image.write_bytes(image.read_bytes() + b"x")
    with pytest.raises(updates.BundleError, match="does not match"):
        updates.verify(folder, public)
    sums = folder / "SHA256SUMS"
    sums.write_text(sums.read_text().replace("centralina.img.bmap", "other.bmap"))
    with pytest.raises(updates.BundleError, match="not signed"):
        updates.verify(folder, public)


def test_a_missing_signature_or_file_is_refused(bundle):
    folder, public = bundle
    (folder / "centralina.img.bmap").unlink()
    with pytest.raises(updates.BundleError, match="missing centralina.img.bmap"):
        updates.verify(folder, public)
    (folder / "SHA256SUMS.sig").unlink()
    with pytest.raises(updates.BundleError, match="missing SHA256SUMS.sig"):
        updates.verify(folder, public)
