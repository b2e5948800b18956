"""The kernel side of blocking, in a private network namespace: the nftables table, and the guard that fills it."""
import datetime
import logging
import socket
import subprocess

import pytest

from appliance.models.bans import Ban
from appliance.models.users import utcnow
from appliance.security.allow import AllowList
from appliance.security.firewall import Firewall, FirewallUnavailable
from appliance.security.guard import Guard
from appliance.security.tally import Tally, Thresholds
from tests.security import netns

TABLE = "cntest"


@pytest.fixture
def private_network():
    """Run the test in its own network namespace (lo only)."""
    if netns.missing():
        pytest.skip(netns.missing())
    with netns.private_network():
        yield


def _reaches(source, timeout=0.3):
    """Tell whether a UDP datagram from ``source`` reaches a socket on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        server.bind(("127.0.0.1", 0))
        server.settimeout(timeout)
        client.bind((source, 0))
        client.sendto(b"ping", server.getsockname())
        try:
            return server.recv(16) == b"ping"
        except TimeoutError:
            return False


def _security_event(address, username):
    return {"Event": "InvalidAccountID", "Service": "PJSIP", "AccountID": username,
            "RemoteAddress": f"IPV4/UDP/{address}/5060"}


def _guard(command="nft"):
    limits = Thresholds(pair_failures=3, scan_usernames=3, window=60, flood_failures=50, flood_seconds=10)
    return Guard(Tally(limits), AllowList(["127.0.0.1/32"]), Firewall(command, TABLE), seconds=600)


def test_the_table_drops_only_the_blocked_addresses(private_network):
    firewall = Firewall("nft", TABLE)
    firewall.ensure()
    firewall.ensure()  # a second start changes nothing

    firewall.add({"127.0.0.2": 60, "2001:db8::2": 60})

    assert not _reaches("127.0.0.2")
    assert _reaches("127.0.0.3")
    blocked = firewall.blocked()
    assert set(blocked) == {"127.0.0.2", "2001:db8::2"} and 55 <= blocked["127.0.0.2"] <= 60
    firewall.remove(["127.0.0.2", "127.0.0.2", "127.0.0.9"])  # twice, and one never blocked: no error
    assert _reaches("127.0.0.2")
    assert set(firewall.blocked()) == {"2001:db8::2"}


def test_rules_are_not_doubled_by_restarts(private_network):
    firewall = Firewall("nft", TABLE)
    for _ in range(3):
        firewall.ensure()

    chain = subprocess.run(["nft", "list", "chain", "inet", TABLE, "input"], capture_output=True, text=True).stdout
    assert chain.count(" drop") == 2


def test_a_missing_nft_says_so():
    with pytest.raises(FirewallUnavailable, match="not installed"):
        Firewall("/nonexistent/nft", TABLE).ensure()


def test_addresses_are_checked_before_reaching_nft():
    with pytest.raises(ValueError):
        Firewall("/nonexistent/nft", TABLE).add({"127.0.0.2 } ; flush ruleset ; {": 60})
    with pytest.raises(ValueError):
        Firewall("nft", "x; flush ruleset")


def test_without_a_firewall_blocks_are_recorded_and_shown_as_not_enforced(database, caplog):
    guard = _guard("/nonexistent/nft")
    caplog.set_level(logging.ERROR, logger="centralina.bans")
    guard.start()

    for name in ("100", "101", "102"):
        guard.on_event(_security_event("198.51.100.7", name))
    for _ in range(3):
        guard.reconcile()

    ban = Ban.get(Ban.address == "198.51.100.7")
    assert (ban.username, ban.reason, ban.enforced) == ("", "scan", False)
    assert guard.unavailable and "not installed" in guard.unavailable
    assert len([r for r in caplog.records if "not enforce" in r.getMessage()]) == 1  # said once, not every second


def test_the_allow_list_is_never_blocked(database):
    guard = _guard("/nonexistent/nft")

    for name in ("100", "101", "102", "103"):
        guard.on_event(_security_event("127.0.0.1", name))

    assert not Ban.select().exists()


def test_a_start_reinstalls_the_blocks_in_force_and_drops_expired_ones(private_network, database):
    now = utcnow()
    Ban.create(address="127.0.0.2", service="sip", reason="scan", expires_at=now + datetime.timedelta(minutes=5))
    Ban.create(address="127.0.0.3", service="sip", reason="scan", expires_at=now - datetime.timedelta(seconds=1))

    guard = _guard().start()  # as after a reboot: the table does not exist yet

    assert set(Firewall("nft", TABLE).blocked()) == {"127.0.0.2"}
    assert 280 <= Firewall("nft", TABLE).blocked()["127.0.0.2"] <= 300
    assert [ban.address for ban in Ban.select()] == ["127.0.0.2"]
    assert Ban.get(Ban.address == "127.0.0.2").enforced
    assert not _reaches("127.0.0.2") and _reaches("127.0.0.3")
    assert guard.unavailable is None


def test_a_deleted_row_leaves_the_kernel_at_the_next_reconcile(private_network, database):
    guard = _guard().start()
    for name in ("100", "101", "102"):
        guard.on_event(_security_event("127.0.0.2", name))
    assert not _reaches("127.0.0.2")  # blocked as the event came, not a second later

    Ban.delete().execute()  # what lifting on the web page does
    guard.reconcile()

    assert _reaches("127.0.0.2")
    # Its counts were forgotten too: one more failure is not a fourth.
    guard.on_event(_security_event("127.0.0.2", "103"))
    assert not Ban.select().exists()
