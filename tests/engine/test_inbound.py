"""Calls from a carrier reach inbound routes' destinations: real SIP from a carrier on its own loopback address."""
import pytest

from appliance.models.call_history import CallRecord
from appliance.services import Actor, groups, inbound_routes, phonebook, trunks
from appliance.services.phonebook_formats import ContactInput
from tests.engine.sipp import Sipp
from tests.pbx import extension_with_password
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")
CARRIER = "127.0.0.61"
DID = "+551130001000"


@pytest.fixture(scope="module")
def trunk(pbx):
    """An IP-authenticated trunk: the carrier is known by its address; local numbers are in area 11."""
    return trunks.save_trunk(trunks.TrunkInput(name="Carrier A", host=CARRIER, kind="ip", match=CARRIER,
                                               qualify_seconds=0, area_code="11", max_channels=5), ADMIN)


@pytest.fixture
def carrier(pbx, trunk, tmp_path):
    """SIPp playing the carrier, sending from the trunk's address."""
    return Sipp(pbx.settings.sip_port, workdir=tmp_path / "carrier", local_host=CARRIER)


@pytest.fixture
def phones(pbx, tmp_path):
    """SIPp playing the extensions' phones."""
    return Sipp(pbx.settings.sip_port, workdir=tmp_path / "phones")


def _route(did, destination, **kwargs):
    for route in inbound_routes.list_routes():
        if route.did == inbound_routes.clean_did(did) and not route.caller and not kwargs:
            return inbound_routes.save_route(inbound_routes.InboundRouteInput(did=did, destination=destination),
                                             ADMIN, route_id=route.id)
    return inbound_routes.save_route(inbound_routes.InboundRouteInput(did=did, destination=destination, **kwargs),
                                     ADMIN)


def _answered(call, pbx):
    """The assertion message of a carrier call that failed: what SIPp saw, and what Asterisk logged."""
    return f"{call}\n--- Asterisk ---\n{pbx.log_tail(40)}"


def _display_name(invite):
    line = next(line for line in invite.splitlines() if line.lower().startswith(("from:", "f:")))
    return line.split(":", 1)[1].split("<")[0].strip().strip('"')


@pytest.mark.parametrize("sent", ["+551130001000", "551130001000", "1130001000", "01130001000", "30001000"])
def test_a_did_in_any_carrier_format_rings_the_routed_extension(pbx, carrier, phones, sent):
    _, password = extension_with_password("401", "Ana")
    _route(DID, "extension:401")

    with phones.uas("401", password) as phone:
        call = carrier.carrier_call(sent, "11988887777")
        answered = phone.wait()

    assert call.ok, _answered(call, pbx)
    invite = answered.received_requests("INVITE")[0]
    assert invite.startswith("INVITE sip:401@")
    # The caller's number reaches the phone as E.164, whatever the carrier sent.
    assert "sip:+5511988887777@" in invite.split("\n", 3)[1] + invite


def test_the_callers_name_comes_from_the_shared_phonebook(pbx, carrier, phones):
    _, password = extension_with_password("402", "Bia")
    _route("+551130001002", "extension:402")
    phonebook.create(None, ContactInput(name="Padaria Central", numbers=[("work", "+55 11 3222-1111")]), ADMIN,
                     shared=True)

    with phones.uas("402", password) as phone:
        call = carrier.carrier_call("+551130001002", "1132221111")
        answered = phone.wait()

    assert call.ok, _answered(call, pbx)
    assert _display_name(answered.received_requests("INVITE")[0]) == "Padaria Central"


def test_a_short_caller_number_gets_its_name_from_the_realtime_directory(pbx, carrier, phones):
    # Short numbers (a branch's extension, a utility) are realtime rows, off the common path. A caller
    # number equal to one of our device user names would be identified as that device (username
    # before ip in endpoint_identifier_order) and challenged: hence a contact's short number here.
    phonebook.create(None, ContactInput(name="Central de Alarmes", numbers=[("work", "1058")]), ADMIN, shared=True)
    _, password = extension_with_password("409", "Iris")
    _route("+551130001009", "extension:409")

    with phones.uas("409", password) as phone:
        call = carrier.carrier_call("+551130001009", "1058")
        answered = phone.wait()

    assert call.ok, _answered(call, pbx)
    assert _display_name(answered.received_requests("INVITE")[0]) == "Central de Alarmes"


def test_a_did_reaches_a_ring_group(pbx, carrier, phones):
    _, password = extension_with_password("403", "Caio")
    group = groups.save_ring_group(groups.RingGroupInput("640", "Vendas", members=["403"]), ADMIN)
    _route("+551130001003", f"ring_group:{group.number}")

    with phones.uas("403", password) as phone:
        call = carrier.carrier_call("+551130001003", "+5511977776666")
        answered = phone.wait()

    assert call.ok, _answered(call, pbx)
    assert answered.received_requests("INVITE")


def test_a_did_reaches_voicemail(pbx, carrier):
    extension_with_password("404", "Duda")
    _route("+551130001004", "voicemail:404")

    # VoiceMail answers (plays the greeting) before anyone rings.
    call = carrier.carrier_call("+551130001004", "+5511966665555", hold_seconds=1.0)

    assert call.ok, _answered(call, pbx)


def test_a_did_routed_to_hang_up_is_refused(pbx, carrier):
    _route("+551130001005", "hangup")

    call = carrier.carrier_call("+551130001005", "+5511955554444", expect_status=603)

    # Hangup() before an answer, cause 16 (normal clearing): PJSIP answers 603 Declined... or 480.
    assert call.ok, _answered(call, pbx)


def test_an_unknown_did_is_refused_and_logged(pbx, carrier):
    call = carrier.carrier_call("+551130009999", "+5511944443333", expect_status=404)

    assert call.ok, _answered(call, pbx)
    assert wait_for(lambda: "unknown DID +551130009999" in pbx.log_tail(200), timeout=5)


def test_a_caller_match_sends_one_caller_elsewhere(pbx, carrier, phones):
    _, ana = extension_with_password("405", "Eva")
    _, bob = extension_with_password("406", "Fabio")
    _route("+551130001006", "extension:405")
    _route("+551130001006", "extension:406", caller_kind="prefix", caller="+5521")

    with phones.uas("406", bob) as phone:
        call = carrier.carrier_call("+551130001006", "2133332222")
        answered = phone.wait()

    assert call.ok, _answered(call, pbx)
    assert answered.received_requests("INVITE")
    assert CallRecord is not None


def test_a_registration_trunk_takes_the_did_from_the_to_header(pbx, phones, tmp_path):
    # Its Request-URI user is the account (contact_user); the DID is the To header's user.
    address = "127.0.0.63"
    trunks.save_trunk(trunks.TrunkInput(name="Carrier R", host=address, kind="registration", username="acct63",
                                        password="carrier-secret", qualify_seconds=0), ADMIN)
    _, password = extension_with_password("407", "Gabi")
    _route("+551130001007", "extension:407")
    carrier = Sipp(pbx.settings.sip_port, workdir=tmp_path / "carrier-r", local_host=address)

    with phones.uas("407", password) as phone:
        call = carrier.carrier_call("acct63", "+5511933332222", to_user="1130001007")
        answered = phone.wait()

    assert call.ok, _answered(call, pbx)
    assert answered.received_requests("INVITE")


def test_a_call_beyond_the_trunks_channel_limit_is_refused_with_503(pbx, phones, tmp_path):
    address = "127.0.0.64"
    trunks.save_trunk(trunks.TrunkInput(name="Carrier one line", host=address, kind="ip", match=address,
                                        qualify_seconds=0, max_channels=1), ADMIN)
    _, password = extension_with_password("408", "Hugo")
    _route("+551130001008", "extension:408")
    first = Sipp(pbx.settings.sip_port, workdir=tmp_path / "first", local_host=address)
    second = Sipp(pbx.settings.sip_port, workdir=tmp_path / "second", local_host=address)

    # The phone rings without answering: the first call holds the trunk's only channel.
    with phones.uas("408", password, answer=False) as phone:
        with first.carrier_call_in_background("+551130001008", "+5511922221111") as ringing:
            assert phone.wait_for_request("INVITE")
            refused = second.carrier_call("+551130001008", "+5511922221112", expect_status=503)
            cancelled = ringing.wait()

    assert refused.ok, str(refused)
    assert cancelled.ok, str(cancelled)
    assert wait_for(lambda: "trunk_" in pbx.log_tail(200) and "at its channel limit" in pbx.log_tail(200), timeout=5)
