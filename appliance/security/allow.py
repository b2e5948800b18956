"""The allow-list: networks whose addresses are never blocked (the LAN's phones, the admin's network)."""
import ipaddress
import re


class AllowList:
    """Networks from BAN_ALLOW; ``address in allow_list`` tells whether an address is spared."""

    def __init__(self, networks):
        """``networks``: CIDR strings, as a list or one string separated by commas or spaces."""
        if isinstance(networks, str):
            networks = [part for part in re.split(r"[,\s]+", networks) if part]
        # strict=False: "192.168.1.10/24" means that network, as an operator would expect.
        self.networks = tuple(ipaddress.ip_network(str(network).strip(), strict=False) for network in networks)

    def __contains__(self, address):
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip.version == network.version and ip in network for network in self.networks)
