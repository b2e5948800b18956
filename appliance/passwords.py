"""Password hashing with Argon2id and generation of strong secrets."""
import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's defaults follow RFC 9106's second recommended option (64 MiB, t=3).
_hasher = PasswordHasher()

# No look-alike characters: secrets are read off a screen and typed into phones.
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def hash_password(password):
    """Return the Argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash, password):
    """Tell whether ``password`` matches ``password_hash``."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash):
    """Tell whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def generate(length=20):
    """Return a random secret of ``length`` characters (about 5.8 bits each)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


#: A hash that matches no password: verified against when the user does not
#: exist, so a login takes as long for an unknown name as for a wrong password.
DUMMY_HASH = hash_password(generate())


def generate_pin(digits=6):
    """Return a random numeric PIN (voicemail) of ``digits`` digits."""
    return "".join(secrets.choice("0123456789") for _ in range(digits))
