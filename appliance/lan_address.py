"""The appliance's LAN address in the URL phones are told to fetch their files from (PROV_BASE_URL).

On the appliance the provisioning server listens on loopback behind nginx, so phones must be given
``http://<the box's LAN address>/prov``. The first boot (and every boot: a DHCP lease may change)
writes it from the address the box would use towards the outside; the console's static-address
option (centralina-network) writes the one it sets. The file is a settings layer of its own
(``40-address.cfg``), so an admin's ``50-local.cfg`` still wins. Run as root:
``python -m appliance.lan_address --detect`` or ``python -m appliance.lan_address 192.168.1.10``.
"""
import argparse
import ipaddress
import os
import socket
import sys
from pathlib import Path

from appliance import settings

FILE = "40-address.cfg"
#: Any routable address: connecting a UDP socket only picks the route and source address, nothing is sent.
_PROBE = ("192.0.2.1", 9)


def detect():
    """Return this box's IPv4 address on its default route, or None without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(_PROBE)
        except OSError:
            return None
        address = probe.getsockname()[0]
    ip = ipaddress.ip_address(address)
    return None if ip.is_unspecified or ip.is_loopback else address


def base_url(address):
    """Return the provisioning URL for ``address`` (an IP address, possibly with /prefix); raise ValueError."""
    ip = ipaddress.ip_interface(address.strip()).ip
    if ip.is_loopback or ip.is_unspecified or ip.is_multicast:
        raise ValueError(f"not a LAN address: {address}")
    host = f"[{ip}]" if ip.version == 6 else str(ip)
    return f"http://{host}/prov"


def write(address, config_dir=None):
    """Write ``PROV_BASE_URL`` for ``address`` into the config folder; return whether the file changed."""
    folder = Path(config_dir) if config_dir is not None else settings.CONFIG_DIR
    path = folder / FILE
    text = ("# Written by appliance/lan_address.py (first boot, centralina-network): the URL phones are given.\n"
            f"PROV_BASE_URL = {base_url(address)!r}\n")
    if path.exists() and path.read_text() == text:
        return False
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return True


def main(argv=None):
    """Command line: an address, or --detect; exit 1 when none could be found."""
    parser = argparse.ArgumentParser(description="Set PROV_BASE_URL from the box's LAN address.")
    parser.add_argument("address", nargs="?", help="IP address (ADDRESS or ADDRESS/PREFIX)")
    parser.add_argument("--detect", action="store_true", help="use the address of the default route")
    parser.add_argument("--config-dir", default=None)
    args = parser.parse_args(argv)
    address = detect() if args.detect and not args.address else args.address
    if not address:
        print("no LAN address found (no default route?)", file=sys.stderr)
        return 1
    try:
        changed = write(address, args.config_dir)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"PROV_BASE_URL {base_url(address)}" + (" (changed)" if changed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
