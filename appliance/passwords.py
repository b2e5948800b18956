"""Password hashing with Argon2id and generation of strong secrets."""
import secrets
import string

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

#: RFC 9106's second recommended option (64 MiB, t=3), argon2-cffi's default.
PRODUCTION = profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(PRODUCTION)

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


_dummy = None


def dummy_hash():
    """Return a hash that matches no password: verified against when the user does not exist, so a
    login takes as long for an unknown name as for a wrong password. Made on first use: at import it
    cost every process (each CLI command, each worker) a third of a second of start-up."""
    global _dummy
    if _dummy is None:
        _dummy = hash_password(generate())
    return _dummy


def use_parameters(parameters):
    """Hash with ``parameters`` (an ``argon2.Parameters``) from now on.

    Only the test suite calls this, with ``argon2.profiles.CHEAPEST`` as argon2-cffi advises for
    tests: it hashes and verifies thousands of times, at 0.1 s each with the real parameters.
    A hash made with other parameters still verifies (they are written in the hash).
    """
    global _hasher, _dummy
    _hasher = PasswordHasher.from_parameters(parameters)
    _dummy = None


def generate_pin(digits=6):
    """Return a random numeric PIN (voicemail) of ``digits`` digits."""
    return "".join(secrets.choice("0123456789") for _ in range(digits))
