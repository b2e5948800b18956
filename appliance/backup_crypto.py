"""The encrypted backup file: a passphrase the box never keeps, backups made unattended all the same.

The admin's passphrase (scrypt, a random salt) derives an X25519 key pair; the box keeps only the
public half and the salt (models/backups.py). Each backup draws an ephemeral X25519 key, agrees a
secret with that public key (HKDF-SHA256 → a 256-bit key of its own) and encrypts its content in
64 KiB chunks with AES-256-GCM, each chunk's nonce its counter plus a last-chunk flag (the STREAM
construction of age): a truncated, reordered or altered file fails to decrypt. The header (format,
scrypt parameters, salt, both public keys) is authenticated as every chunk's associated data.

Restoring asks for the passphrase: its key pair's public half must be the header's recipient, so a
wrong passphrase is told apart from a damaged file before anything is decrypted.
Library: ``cryptography`` (PyCA; decision 039).
"""
import base64
import json
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"CENTRALINA-BACKUP\n"
VERSION = 1
CHUNK = 64 * 1024
#: scrypt cost: 2**16 × 8 × 128 bytes = 64 MiB and a fraction of a second per derivation.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 16, 8, 1
#: A header asking for more than this is refused (a crafted file must not make the box swap).
MAX_SCRYPT_N = 2 ** 20
_INFO = b"centralina-backup-v1"
_MAX_HEADER = 4096


class BackupFileError(Exception):
    """The file is not a backup, or it is damaged (``reason`` says which)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class WrongPassphrase(Exception):
    """The passphrase does not open this backup."""


def _b64(data):
    return base64.b64encode(data).decode()


def _raw(public_key):
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def derive_private_key(passphrase, salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P):
    """Return the X25519 private key ``passphrase`` and ``salt`` derive."""
    seed = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())
    return X25519PrivateKey.from_private_bytes(seed)


def new_recipient(passphrase):
    """Return ``(public_key_bytes, salt)`` to keep on the box for ``passphrase`` (a fresh salt)."""
    salt = os.urandom(16)
    return _raw(derive_private_key(passphrase, salt).public_key()), salt


def _key(shared, ephemeral, recipient):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=_INFO).derive(shared)


def _nonce(counter, last):
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class Encryptor:
    """A write-only binary file that encrypts what is written into ``out`` (call ``close`` to finish)."""

    def __init__(self, out, recipient, salt, meta=None):
        ephemeral = X25519PrivateKey.generate()
        ephemeral_public = _raw(ephemeral.public_key())
        header = {"format": VERSION, "kdf": {"n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "salt": _b64(salt)},
                  "recipient": _b64(recipient), "ephemeral": _b64(ephemeral_public), "meta": meta or {}}
        self._header = json.dumps(header, sort_keys=True).encode()
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
        self._aead = AESGCM(_key(shared, ephemeral_public, recipient))
        self._out = out
        self._buffer = bytearray()
        self._counter = 0
        out.write(MAGIC + struct.pack(">I", len(self._header)) + self._header)

    def write(self, data):
        """Encrypt ``data`` (buffered in whole chunks; one is always held back to mark the last)."""
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, chunk, last):
        sealed = self._aead.encrypt(_nonce(self._counter, last), chunk, self._header)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1

    def close(self):
        """Write the last chunk."""
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()


def _read_exact(source, size):
    data = source.read(size)
    if len(data) != size:
        raise BackupFileError("truncated")
    return data


def read_header(source):
    """Read and return the header (a dict) and its bytes from ``source``; raise BackupFileError."""
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupFileError("not a backup")
    (size,) = struct.unpack(">I", _read_exact(source, 4))
    if size > _MAX_HEADER:
        raise BackupFileError("bad header")
    raw = _read_exact(source, size)
    try:
        header = json.loads(raw)
        kdf = header["kdf"]
        header["_salt"] = base64.b64decode(kdf["salt"])
        header["_recipient"] = base64.b64decode(header["recipient"])
        header["_ephemeral"] = base64.b64decode(header["ephemeral"])
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupFileError("bad header") from exc
    if header.get("format") != VERSION or not (2 <= n <= MAX_SCRYPT_N and 1 <= r <= 32 and 1 <= p <= 4):
        raise BackupFileError("bad header")
    header["_kdf"] = (n, r, p)
    return header, raw


def decrypt(source, out, passphrase):
    """Decrypt the backup read from ``source`` into ``out``; return its header.

    Raise WrongPassphrase when ``passphrase`` is not the one it was made for, BackupFileError when the
    file is not a backup or was altered or cut (``out`` then holds a partial plaintext: discard it).
    """
    header, raw = read_header(source)
    private = derive_private_key(passphrase, header["_salt"], *header["_kdf"])
    recipient = header["_recipient"]
    if _raw(private.public_key()) != recipient:
        raise WrongPassphrase()
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(header["_ephemeral"]))
    except ValueError as exc:
        raise BackupFileError("bad header") from exc
    aead = AESGCM(_key(shared, header["_ephemeral"], recipient))
    counter = 0
    while True:
        size_bytes = source.read(4)
        if len(size_bytes) != 4:
            raise BackupFileError("truncated")
        (size,) = struct.unpack(">I", size_bytes)
        if size > CHUNK + 16:
            raise BackupFileError("damaged")
        sealed = _read_exact(source, size)
        plain, last = _open_chunk(aead, counter, sealed, raw)
        out.write(plain)
        if last:
            if source.read(1):
                raise BackupFileError("damaged")  # bytes after the last chunk
            return header
        counter += 1


def _open_chunk(aead, counter, sealed, header):
    """Return ``(plaintext, is_last)`` of chunk ``counter``; raise BackupFileError when it was altered."""
    for last in (False, True):
        try:
            return aead.decrypt(_nonce(counter, last), sealed, header), last
        except InvalidTag:
            continue
    raise BackupFileError("damaged")
