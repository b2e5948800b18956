"""Trunk health rows from AMI events: the right trunk, written on change, the round trip at most every few seconds."""
import datetime

from appliance.models.trunks import TrunkStatus
from appliance.models.users import utcnow
from appliance.services import Actor, trunk_health, trunks

SYSTEM = Actor.system("test")


def _trunks():
    registered = trunks.save_trunk(trunks.TrunkInput(name="Reg", host="10.0.0.1", port=5080, username="acct",
                                                     password="Secret-1234"), SYSTEM)
    ip = trunks.save_trunk(trunks.TrunkInput(name="IP", host="10.0.0.2", kind="ip"), SYSTEM)
    return registered, ip


def _row(trunk):
    row = TrunkStatus.get_or_none(TrunkStatus.trunk == trunk.id)
    return (row.registration, row.reachability, row.rtt_ms) if row else None


def _registry(status, server="sip:10.0.0.1:5080", client="sip:acct@10.0.0.1:5080"):
    return {"Event": "Registry", "ChannelType": "PJSIP", "Username": client, "Domain": server, "Status": status}


def _contact(aor, status, usec="0"):
    return {"Event": "ContactStatus", "AOR": aor, "ContactStatus": status, "RoundtripUsec": usec,
            "URI": "sip:10.0.0.2:5060", "EndpointName": aor}


def test_registry_events_find_their_trunk_by_its_uris(database):
    registered, ip = _trunks()
    trunk_health.on_engine_event(_registry("Registered"))
    assert _row(registered) == ("registered", "", None) and _row(ip) is None
    trunk_health.on_engine_event(_registry("Rejected"))
    assert _row(registered)[0] == "rejected"
    # Another trunk's (or a removed registration's) URIs: nobody's row.
    trunk_health.on_engine_event(_registry("Registered", server="sip:10.0.0.9:5060"))
    assert _row(registered)[0] == "rejected"


def test_contact_status_events_give_reachability_and_round_trip(database):
    registered, ip = _trunks()
    trunk_health.on_engine_event(_contact(ip.endpoint, "Reachable", "12345"))
    assert _row(ip) == ("", "reachable", 12.3)
    trunk_health.on_engine_event(_contact(ip.endpoint, "Unreachable"))
    assert _row(ip) == ("", "unreachable", None)
    trunk_health.on_engine_event(_contact("201", "Reachable", "100"))  # a phone: not a trunk
    assert TrunkStatus.select().count() == 1


def test_a_refused_registration_of_an_unreachable_carrier_is_failed(database):
    registered, _ = _trunks()
    trunk_health.on_engine_event(_registry("Rejected"))
    trunk_health.on_engine_event(_contact(registered.endpoint, "Unreachable"))
    assert _row(registered)[:2] == ("failed", "unreachable")
    trunk_health.on_engine_event(_contact(registered.endpoint, "Reachable", "5000"))
    assert _row(registered)[:2] == ("rejected", "reachable")


def test_rows_are_written_on_change_and_the_round_trip_at_most_every_few_seconds(database):
    _, ip = _trunks()
    start = utcnow()
    assert trunk_health.record(ip.id, now=start, reachability="reachable", rtt_ms=10.0)
    assert not trunk_health.record(ip.id, now=start + datetime.timedelta(seconds=1), reachability="reachable",
                                   rtt_ms=11.0)
    assert _row(ip)[2] == 10.0
    later = start + datetime.timedelta(seconds=trunk_health.RTT_EVERY)
    assert trunk_health.record(ip.id, now=later, reachability="reachable", rtt_ms=11.0)
    assert _row(ip)[2] == 11.0
    assert not trunk_health.record(ip.id, now=later, reachability="reachable", rtt_ms=11.0)


def test_a_trunk_pointed_elsewhere_or_disabled_forgets_what_was_heard(database):
    registered, _ = _trunks()
    trunk_health.on_engine_event(_registry("Registered"))
    trunks.save_trunk(trunks.TrunkInput(name="Reg", host="10.0.0.1", port=5080, username="acct",
                                        max_channels=3), SYSTEM, registered.id)
    assert _row(registered) == ("registered", "", None)  # nothing about where it goes changed
    trunks.save_trunk(trunks.TrunkInput(name="Reg", host="10.0.0.5", port=5080, username="acct"), SYSTEM,
                      registered.id)
    assert _row(registered) is None
    trunk_health.on_engine_event(_registry("Registered"))  # the old address's late news: ignored
    assert _row(registered) is None


def test_a_deleted_trunk_takes_its_row_and_late_events_are_ignored(database):
    registered, _ = _trunks()
    trunk_health.on_engine_event(_registry("Registered"))
    trunks.delete_trunk(registered.id, SYSTEM)
    assert TrunkStatus.select().count() == 0
    assert not trunk_health.record(registered.id, registration="unregistered")


def test_late_news_of_a_disabled_trunk_is_ignored(database):
    _, ip = _trunks()
    trunks.save_trunk(trunks.TrunkInput(name="IP", host="10.0.0.2", kind="ip", enabled=False), SYSTEM, ip.id)
    trunk_health.on_engine_event(_contact(ip.endpoint, "Reachable", "1300"))
    assert _row(ip) is None
