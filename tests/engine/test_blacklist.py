"""Blacklists in a real Asterisk: refused callers get 403, are logged and counted; the outbound check answers."""
import pytest

from appliance.asterisk import cdr
from appliance.models.blocklist import BlockedNumber
from appliance.services import Actor, blocklist, extension_settings, inbound_routes, outbound_presets, trunks
from tests.engine.sipp import Sipp, free_port
from tests.pbx import extension_with_password
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")
CARRIER = "127.0.0.62"


@pytest.fixture(scope="module")
def routes(pbx):
    """A trunk and two DIDs: one to extension 501, one to 502."""
    trunks.save_trunk(trunks.TrunkInput(name="Carrier B", host=CARRIER, kind="ip", match=CARRIER,
                                        qualify_seconds=0, area_code="11"), ADMIN)
    passwords = {number: extension_with_password(number, name)[1] for number, name in (("501", "Gil"),
                                                                                         ("502", "Hana"))}
    for number in passwords:
        inbound_routes.save_route(inbound_routes.InboundRouteInput(did=f"+55113000{number}0",
                                                                   destination=f"extension:{number}"), ADMIN)
    return passwords


@pytest.fixture
def carrier(pbx, routes, tmp_path):
    return Sipp(pbx.settings.sip_port, workdir=tmp_path / "carrier", local_host=CARRIER)


@pytest.fixture
def phones(pbx, tmp_path):
    return Sipp(pbx.settings.sip_port, workdir=tmp_path / "phones")


@pytest.fixture(autouse=True)
def empty_lists(pbx):
    yield
    for entry in BlockedNumber.select():
        blocklist.remove(entry.id, ADMIN)


def _attempts(pbx, entry, count):
    def seen():
        cdr.ingest(pbx)
        return blocklist.attempts([entry])[entry.id].count >= count
    return wait_for(seen, timeout=10)


def test_a_blacklisted_caller_is_refused_with_403_logged_and_counted(pbx, carrier):
    entry = blocklist.add(blocklist.BlockInput("in", "exact", "(11) 98888-1111"), ADMIN)
    assert entry.number == "+5511988881111"

    # The carrier sends the number in its national form: it is matched as E.164.
    call = carrier.carrier_call("+551130005010", "011988881111", expect_status=403)

    assert call.ok, str(call)
    assert wait_for(lambda: "Blocked inbound call from +5511988881111" in pbx.log_tail(200), timeout=5)
    assert _attempts(pbx, entry, 1)
    attempts = blocklist.attempts([entry])[entry.id]
    assert attempts.count == 1 and attempts.last is not None


def test_a_prefix_blocks_every_number_it_starts(pbx, carrier, phones, routes):
    blocklist.add(blocklist.BlockInput("in", "prefix", "+55303"), ADMIN)

    assert carrier.carrier_call("+551130005010", "+553030001234", expect_status=403).ok
    with phones.uas("501", routes["501"]) as phone:
        assert carrier.carrier_call("+551130005010", "+5511977770000").ok
        assert phone.wait().received_requests("INVITE")


def test_anonymous_callers_are_refused_only_when_blocked(pbx, carrier, phones, routes):
    with phones.uas("501", routes["501"]) as phone:
        assert carrier.carrier_call("+551130005010", "", anonymous=True).ok
        phone.wait()

    entry = blocklist.add(blocklist.BlockInput("in", "anonymous"), ADMIN)

    assert carrier.carrier_call("+551130005010", "", anonymous=True, expect_status=403).ok
    assert _attempts(pbx, entry, 1)


def test_a_per_extension_block_refuses_only_calls_to_that_extension(pbx, carrier, phones, routes):
    extension, _ = extension_with_password("501", "Gil")
    entry = blocklist.add(blocklist.BlockInput("in", "exact", "+5511966661111", extension="501"), ADMIN)

    # The AstDB key that sends 501's external calls through the check is there once pushed.
    assert wait_for(lambda: pbx.cli("database get CN 501/block_in").find("Value: 1") >= 0, timeout=5)
    refused = carrier.carrier_call("+551130005010", "+5511966661111", expect_status=403)
    with phones.uas("502", routes["502"]) as phone:
        to_other = carrier.carrier_call("+551130005020", "+5511966661111")
        phone.wait()

    assert refused.ok, str(refused)
    assert to_other.ok, str(to_other)
    assert _attempts(pbx, entry, 1)


def test_reconcile_restores_a_lost_block_in_key(pbx, routes):
    blocklist.add(blocklist.BlockInput("in", "exact", "+5511966662222", extension="502"), ADMIN)
    assert wait_for(lambda: "Value: 1" in pbx.cli("database get CN 502/block_in"), timeout=5)
    pbx.cli("database del CN 502/block_in")

    extension_settings.reconcile()

    assert "Value: 1" in pbx.cli("database get CN 502/block_in")


def test_blacklisted_numbers_dialled_by_an_extension_never_reach_the_carrier(pbx, phones, tmp_path):
    from tests.engine.test_outbound import carrier
    address, port = "127.0.0.66", free_port()
    trunk = trunks.save_trunk(trunks.TrunkInput(name="Carrier out", host=address, kind="ip", port=port,
                                                qualify_seconds=0, number_format="e164"), ADMIN)
    outbound_presets.apply_brazilian_preset("11", [trunk.id], ADMIN)
    # Listed as people read it; the route turns what is dialled (0 + area code + number) into E.164.
    entry = blocklist.add(blocklist.BlockInput("out", "exact", "(11) 3333-4444"), ADMIN)
    prefix = blocklist.add(blocklist.BlockInput("out", "prefix", "+551155"), ADMIN)
    _, password = extension_with_password("503", "Ivo")
    _, other = extension_with_password("504", "Joana")
    # Ivo's own list: refused for him, dialled for Joana.
    own = blocklist.add(blocklist.BlockInput("out", "exact", "+551133334446", extension="503"), ADMIN)

    with carrier({"ports": {address: port}}, address, tmp_path) as far_end:
        refused = phones.call("503", password, "01133334444", expect_status=403)
        by_prefix = phones.call("504", other, "01155550000", expect_status=403)
        by_own_list = phones.call("503", password, "01133334446", expect_status=403)
        allowed = phones.call("503", password, "01133334445", hold_seconds=0.2)
        not_on_her_list = phones.call("504", other, "01133334446", hold_seconds=0.2)
        invites = wait_for(lambda: (found := far_end.received_so_far("INVITE")) and len(found) >= 2 and found,
                           timeout=5)

    for call in (refused, by_prefix, by_own_list, allowed, not_on_her_list):
        assert call.ok, str(call)
    assert sorted(invite.split("\n", 1)[0].split("sip:")[1].split("@")[0] for invite in invites) == [
        "+551133334445", "+551133334446"]
    assert _attempts(pbx, entry, 1) and _attempts(pbx, prefix, 1) and _attempts(pbx, own, 1)
    assert wait_for(lambda: "Blocked outbound call from 503 to +551133334446" in pbx.log_tail(300), timeout=5)
