"""A private network namespace for tests that block addresses: the machine's own 127.0.0.1 is never touched.

The calling thread moves into a fresh namespace whose only interface is ``lo`` (127.0.0.0/8 and
::1, so 127.0.0.2, 127.0.0.3... play other machines); every process and thread it starts there
(Asterisk, SIPp, nft, the daemon's threads) lives in it, and an nftables table made there
vanishes with it. Python 3.11 has no os.unshare/os.setns, hence libc through ctypes.
"""
import ctypes
import os
import shutil
import subprocess
from contextlib import contextmanager

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def missing():
    """Return why a private namespace cannot be made here ("" when it can)."""
    if os.geteuid() != 0:
        return "a network namespace needs root"
    for tool in ("ip", "nft"):
        if not shutil.which(tool):
            return f"{tool} is not installed (Debian packages iproute2, nftables)"
    return ""


def _check(result, what):
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


@contextmanager
def private_network():
    """Run the block in a fresh network namespace with ``lo`` up; come back to the original one after."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        _check(_libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
        try:
            subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
            yield
        finally:
            _check(_libc.setns(home, CLONE_NEWNET), "setns back to the original namespace")
    finally:
        os.close(home)
