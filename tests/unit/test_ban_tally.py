"""When failures earn a block: a stale phone costs only its own user name, scanning costs the address."""
import pytest

from appliance.security.allow import AllowList
from appliance.security.events import AMI, PASSWORD, REFUSED, SIP, UNKNOWN_USER, VOICEMAIL, Failure
from appliance.security.tally import REASON_FLOOD, REASON_PASSWORD, REASON_SCAN, Tally, Thresholds

LIMITS = Thresholds(pair_failures=5, scan_usernames=4, window=60, flood_failures=20, flood_seconds=10)
NAT = "203.0.113.9"


def fail(tally, username, at, address=NAT, service=SIP, cause=PASSWORD):
    return tally.record(Failure(service, address, username, cause), at)


def test_a_stale_phone_blocks_only_its_user_name_from_that_address():
    tally = Tally(LIMITS)
    verdicts = [fail(tally, "201", at * 30.0 / LIMITS.pair_failures) for at in range(LIMITS.pair_failures)]

    assert verdicts[:-1] == [None] * (LIMITS.pair_failures - 1)
    assert (verdicts[-1].address, verdicts[-1].username, verdicts[-1].reason) == (NAT, "201", REASON_PASSWORD)
    # The other phones behind the same address fail now and then without adding up to a block.
    assert fail(tally, "202", 31.0) is None
    assert fail(tally, "203", 32.0) is None


def test_failures_spread_wider_than_the_window_never_block():
    tally = Tally(LIMITS)

    assert all(fail(tally, "201", at * 61.0) is None for at in range(20))


def test_many_user_names_from_one_address_block_the_address():
    tally = Tally(LIMITS)
    verdicts = [fail(tally, name, index, cause=UNKNOWN_USER) for index, name in enumerate(["100", "101", "102", "103"])]

    assert verdicts[:3] == [None, None, None]
    assert (verdicts[3].address, verdicts[3].username, verdicts[3].reason) == (NAT, "", REASON_SCAN)
    assert verdicts[3].usernames == ("100", "101", "102", "103")


def test_hammering_on_after_a_user_name_block_blocks_the_address():
    tally = Tally(LIMITS)
    for at in range(LIMITS.pair_failures):
        fail(tally, "201", at * 0.01)
    # Asterisk now refuses 201 from this address (FailedACL); a phone retries every few seconds,
    # a brute force goes on hundreds of times a second.
    verdicts = [fail(tally, "201", 1 + at * 0.01, cause=REFUSED) for at in range(LIMITS.flood_failures)]
    made = [verdict for verdict in verdicts if verdict is not None]

    assert [(verdict.reason, verdict.username) for verdict in made] == [(REASON_FLOOD, "")]


def test_a_refused_phone_retrying_slowly_never_blocks_the_address():
    tally = Tally(LIMITS)

    assert all(fail(tally, "201", at * 5.0, cause=REFUSED) is None for at in range(100))


def test_unknown_user_names_never_block_a_user_name():
    tally = Tally(LIMITS)

    assert all(fail(tally, "admin", at, cause=UNKNOWN_USER) is None for at in range(LIMITS.flood_failures - 1))


def test_ami_login_failures_block_the_address():
    tally = Tally(LIMITS)
    verdicts = [fail(tally, "admin", at, service=AMI, cause=REFUSED) for at in range(LIMITS.pair_failures)]

    assert verdicts[-1].username == "" and verdicts[-1].service == AMI


def test_voicemail_pin_failures_block_the_calling_device():
    tally = Tally(LIMITS)
    verdicts = [fail(tally, "201", at, service=VOICEMAIL) for at in range(LIMITS.pair_failures)]

    assert (verdicts[-1].username, verdicts[-1].service) == ("201", VOICEMAIL)


def test_a_lifted_block_starts_counting_from_zero():
    tally = Tally(LIMITS)
    for at in range(LIMITS.pair_failures - 1):
        fail(tally, "201", at)
    tally.forget(NAT, "201")

    assert fail(tally, "201", 10) is None


def test_old_counts_are_pruned():
    tally = Tally(LIMITS)
    fail(tally, "201", 0)
    fail(tally, "202", 0, address="198.51.100.1")
    tally.prune(LIMITS.window + 1)

    assert len(tally) == 0


def test_thresholds_must_be_positive():
    with pytest.raises(ValueError):
        Thresholds(pair_failures=0)


@pytest.mark.parametrize(("address", "spared"), [
    ("127.0.0.1", True), ("192.168.1.77", True), ("2001:db8::5", True), ("127.0.0.2", False),
    ("10.0.0.1", False), ("not an address", False),
])
def test_the_allow_list_spares_its_networks(address, spared):
    allow = AllowList("127.0.0.1/32, 192.168.1.0/24 2001:db8::/64")

    assert (address in allow) is spared
