"""Own one nftables table: a set of blocked IPv4 and one of IPv6 addresses, with timeouts, dropped on input.

Only the daemon changes it (it has CAP_NET_ADMIN); the ban rows are the truth and this table
follows them. Every command is an argument list or an ``nft -f -`` script built from validated
addresses, never a shell string.
"""
import ipaddress
import json
import re
import shlex
import subprocess

_TABLE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
#: One set per family: nftables sets hold one address type.
SETS = {4: "banned4", 6: "banned6"}


class FirewallUnavailable(Exception):
    """nft is missing, not permitted (no CAP_NET_ADMIN), or refused the command; ``str()`` says which."""


def _address(text):
    """Return ``text`` as an ip_address; ValueError when it is none."""
    return ipaddress.ip_address(text)


class Firewall:
    """The ``inet <table>`` table: create it, add and remove blocked addresses, list them."""

    def __init__(self, command="nft", table="centralina", timeout=5.0):
        """``command``: the nft command line (a string or a list; a prefix such as ``ip netns exec X nft``)."""
        self.command = shlex.split(command) if isinstance(command, str) else list(command)
        if not self.command:
            raise ValueError("empty nft command")
        if not _TABLE.fullmatch(table):
            raise ValueError(f"invalid nftables table name {table!r}")
        self.table = table
        self.timeout = timeout

    @classmethod
    def from_settings(cls, conf):
        """Return the firewall the BAN_NFT settings describe."""
        return cls(conf["BAN_NFT"], conf["BAN_NFT_TABLE"])

    def _run(self, *args, script=None):
        try:
            done = subprocess.run([*self.command, *args], input=script, capture_output=True, text=True,
                                  timeout=self.timeout)
        except FileNotFoundError:
            raise FirewallUnavailable(f"{self.command[0]} is not installed (Debian package nftables)") from None
        except subprocess.TimeoutExpired:
            raise FirewallUnavailable(f"nft did not answer within {self.timeout} s") from None
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            raise FirewallUnavailable(lines[0] if lines else f"nft exited with {done.returncode}")
        return done.stdout

    def ensure(self):
        """Create the table, its two sets and the input chain that drops them; keep elements already there."""
        t = f"inet {self.table}"
        script = "\n".join([
            f"add table {t}",
            f"add set {t} {SETS[4]} {{ type ipv4_addr; flags timeout; }}",
            f"add set {t} {SETS[6]} {{ type ipv6_addr; flags timeout; }}",
            # Before the usual filter chains (priority 0): a drop here wins whatever they accept.
            f"add chain {t} input {{ type filter hook input priority filter - 10; policy accept; }}",
            # Rebuilt every time (in the same transaction), so a start never doubles the rules.
            f"flush chain {t} input",
            f"add rule {t} input ip saddr @{SETS[4]} drop",
            f"add rule {t} input ip6 saddr @{SETS[6]} drop",
        ]) + "\n"
        self._run("-f", "-", script=script)

    def add(self, bans):
        """Block each address of ``bans`` ({address: seconds}) for its seconds; one transaction."""
        lines = []
        for text, seconds in sorted(bans.items()):
            address = _address(text)
            lines.append(f"add element inet {self.table} {SETS[address.version]} "
                         f"{{ {address} timeout {max(1, int(seconds))}s }}")
        if lines:
            self._run("-f", "-", script="\n".join(lines) + "\n")

    def remove(self, addresses):
        """Unblock ``addresses``; one transaction, and no error for one that is not there."""
        lines = []
        for text in sorted(set(addresses)):
            address = _address(text)
            where = f"inet {self.table} {SETS[address.version]} {{ {address} }}"
            # Adding first makes the delete succeed whether or not the element was there.
            lines += [f"add element {where}", f"delete element {where}"]
        if lines:
            self._run("-f", "-", script="\n".join(lines) + "\n")

    def blocked(self):
        """Return {address: seconds left} of every address the kernel blocks now."""
        found = {}
        for name in SETS.values():
            data = json.loads(self._run("-j", "list", "set", "inet", self.table, name))
            for item in data.get("nftables", []):
                for element in item.get("set", {}).get("elem", []):
                    if isinstance(element, dict):
                        element = element.get("elem", {})
                        found[str(element.get("val"))] = int(element.get("expires", element.get("timeout", 0)))
                    else:
                        found[str(element)] = 0
        return found

    def drop_table(self):
        """Delete the whole table (what a reboot does); no error when it is absent."""
        self._run("-f", "-", script=f"add table inet {self.table}\ndelete table inet {self.table}\n")
