"""SIP trunks against real carriers: registration with digest auth, qualify, edits live, health through the daemon.

One PBX (app database + Asterisk) for the module, watched by the daemon's own event path (the
Watcher with ``daemon.on_engine_event``); the carriers are second Asterisks from the same engine
root on their own 127.0.0.x addresses (tests/engine/carrier_pbx.py).
"""
import pytest

from appliance import daemon
from appliance.asterisk import realtime
from appliance.models.trunks import TrunkStatus
from appliance.services import Actor, trunk_health, trunks
from appliance.watcher import Watcher
from tests.engine.carrier_pbx import carrier, registered_users
from tests.waiting import wait_for

pytestmark = pytest.mark.engine

ACTOR = Actor.system("test")
REGISTRAR = "127.0.0.2"
REGISTRAR_ALSO = "127.0.0.3"
IP_CARRIER = "127.0.0.4"
ACCOUNT, SECRET = "acct5511", "carrier-Secret-1"


@pytest.fixture(scope="module")
def registrar():
    """A carrier registrar with one account, listening on two addresses (the second for a moved trunk)."""
    with carrier(REGISTRAR, {ACCOUNT: SECRET}, also_on=REGISTRAR_ALSO) as engine:
        yield engine


@pytest.fixture(scope="module")
def watched(pbx, tmp_path_factory):
    """The daemon's event path against the module's PBX: every AMI event through daemon.on_engine_event."""
    watcher = Watcher(pbx, tmp_path_factory.mktemp("var"), on_event=daemon.on_engine_event,
                      on_connect=trunk_health.refresh).start()
    assert watcher._events.wait_connected(10)
    yield pbx
    watcher.stop()


def _status(trunk):
    row = TrunkStatus.get_or_none(TrunkStatus.trunk == trunk.id)
    return (row.registration, row.reachability, row.rtt_ms) if row else None


def _registration(engine, trunk):
    """Return the line of ``pjsip show registrations`` about ``trunk``, or ""."""
    lines = engine.cli("pjsip show registrations").splitlines()
    return next((line for line in lines if line.strip().startswith(f"{trunk.endpoint}/")), "")


def _auth_ids(engine):
    return realtime.ids_with_prefix(engine.host_path(engine.settings.realtime_db), "ps_auths", "trunk_")


def _registration_trunk(port, password=SECRET, host=REGISTRAR, name="Operadora"):
    return trunks.TrunkInput(name=name, host=host, port=port, kind="registration", username=ACCOUNT,
                             password=password, qualify_seconds=5)


def test_a_registration_trunk_registers_with_digest_and_the_status_row_says_registered(watched, registrar):
    trunk = trunks.save_trunk(_registration_trunk(registrar.settings.sip_port), ACTOR)
    try:
        assert wait_for(lambda: (_status(trunk) or ("",))[0] == "registered", timeout=15), (
            _status(trunk), _registration(watched, trunk), watched.log_tail())
        assert ACCOUNT in registered_users(registrar)
        assert "Registered" in _registration(watched, trunk)
        assert _auth_ids(watched) == {trunk.endpoint}
        # The carrier answers the trunk's OPTIONS: reachable, with a round trip.
        assert wait_for(lambda: (_status(trunk) or ("", ""))[1] == "reachable", timeout=10), _status(trunk)
        assert _status(trunk)[2] is not None
        # What a (re)connecting daemon asks for fills the row again, round trip included.
        TrunkStatus.delete().execute()
        assert trunk_health.refresh() == 1
        registration, reachability, rtt = _status(trunk)
        assert (registration, reachability) == ("registered", "reachable") and 0 <= rtt < 1000

        # A wrong password: the carrier refuses it, and the page would say so (re-registered at once).
        trunks.save_trunk(_registration_trunk(registrar.settings.sip_port, password="wrong-password-9"), ACTOR,
                          trunk.id)
        assert wait_for(lambda: (_status(trunk) or ("",))[0] == "rejected", timeout=15), (
            _status(trunk), watched.log_tail())
        assert "Rejected" in _registration(watched, trunk)

        # The right one again: registered again, without waiting for the retry interval.
        trunks.save_trunk(_registration_trunk(registrar.settings.sip_port), ACTOR, trunk.id)
        assert wait_for(lambda: (_status(trunk) or ("",))[0] == "registered", timeout=8), _status(trunk)
    finally:
        trunks.delete_trunk(trunk.id, ACTOR)


def test_an_edited_trunk_registers_at_its_new_address_and_port(watched, registrar):
    trunk = trunks.save_trunk(_registration_trunk(registrar.settings.sip_port, name="Movida"), ACTOR)
    try:
        assert wait_for(lambda: (_status(trunk) or ("",))[0] == "registered", timeout=15), _status(trunk)
        moved = _registration_trunk(registrar.also_port, host=REGISTRAR_ALSO, name="Movida")
        trunks.save_trunk(moved, ACTOR, trunk.id)
        # Only that address and port serve the account now: Registered there means the REGISTER went there.
        new_uri = f"sip:{REGISTRAR_ALSO}:{registrar.also_port}"
        assert wait_for(lambda: new_uri in _registration(watched, trunk)
                        and "Registered" in _registration(watched, trunk), timeout=15), _registration(watched, trunk)
        assert wait_for(lambda: (_status(trunk) or ("",))[0] == "registered", timeout=10), _status(trunk)
    finally:
        trunks.delete_trunk(trunk.id, ACTOR)


def _full_reloads(engine):
    """Count res_pjsip reloads so far: each logs that [system] keeps its values (narrow ones do not)."""
    log = engine.host_path(engine.instance_dir / "log" / "messages.log").read_text(errors="replace")
    return log.count("Type 'system' is not reloadable")


def test_registration_and_address_edits_reload_only_their_module_and_stay_registered(watched, registrar):
    data = _registration_trunk(registrar.settings.sip_port, name="Estreita")
    trunk = trunks.save_trunk(data, ACTOR)
    try:
        assert wait_for(lambda: "Registered" in _registration(watched, trunk), timeout=15)
        full = _full_reloads(watched)
        data.expiry, data.password = 900, None
        trunks.save_trunk(data, ACTOR, trunk.id)
        assert ": 900" in next(line for line in watched.cli(f"pjsip show registration {trunk.endpoint}").splitlines()
                               if "expiration" in line)
        assert wait_for(lambda: "Registered" in _registration(watched, trunk), timeout=10)
        data.match = "192.0.2.0/24"
        trunks.save_trunk(data, ACTOR, trunk.id)
        assert "192.0.2.0/24" in watched.cli(f"pjsip show identify {trunk.endpoint}")
        data.name = "Estreita renomeada"  # a comment in the file: written, nothing reloaded
        trunks.save_trunk(data, ACTOR, trunk.id)
        assert "Estreita renomeada" in watched.host_path(watched.instance_dir / "etc" / "pjsip.conf").read_text()
        assert _full_reloads(watched) == full
        assert "Registered" in _registration(watched, trunk)
    finally:
        trunks.delete_trunk(trunk.id, ACTOR)


def test_disabling_or_deleting_a_trunk_removes_its_registration_and_auth_row(watched, registrar):
    data = _registration_trunk(registrar.settings.sip_port, name="Desligada")
    trunk = trunks.save_trunk(data, ACTOR)
    assert wait_for(lambda: ACCOUNT in registered_users(registrar), timeout=15)

    data.enabled, data.password = False, None
    trunks.save_trunk(data, ACTOR, trunk.id)
    assert _registration(watched, trunk) == ""
    assert _auth_ids(watched) == set()
    # Asterisk un-REGISTERs a registration it drops: the carrier forgets the contact.
    assert wait_for(lambda: ACCOUNT not in registered_users(registrar), timeout=10)
    assert _status(trunk) is None

    data.enabled = True
    trunks.save_trunk(data, ACTOR, trunk.id)
    assert wait_for(lambda: ACCOUNT in registered_users(registrar), timeout=15)
    assert _auth_ids(watched) == {trunk.endpoint}

    trunks.delete_trunk(trunk.id, ACTOR)
    assert _registration(watched, trunk) == ""
    assert _auth_ids(watched) == set()
    assert wait_for(lambda: ACCOUNT not in registered_users(registrar), timeout=10)
    assert "trunk_" not in watched.cli("pjsip show endpoints")


def test_an_ip_trunk_is_reachable_with_a_round_trip_and_unreachable_once_the_carrier_is_gone(watched):
    # The carrier knows the PBX by its address, as IP-authenticated carriers do.
    with carrier(IP_CARRIER, trusts="127.0.0.1") as ip_carrier:
        trunk = trunks.save_trunk(trunks.TrunkInput(name="Operadora IP", host=IP_CARRIER, kind="ip",
                                                    port=ip_carrier.settings.sip_port, qualify_seconds=1), ACTOR)
        try:
            assert wait_for(lambda: (_status(trunk) or ("", ""))[1] == "reachable", timeout=10), (
                _status(trunk), watched.log_tail())
            registration, _, rtt = _status(trunk)
            assert registration == "" and 0 <= rtt < 1000
            assert _registration(watched, trunk) == ""
            TrunkStatus.delete().execute()
            trunk_health.refresh()
            assert _status(trunk)[:2] == ("", "reachable") and _status(trunk)[2] is not None
            ip_carrier.stop()
            assert wait_for(lambda: (_status(trunk) or ("", ""))[1] == "unreachable", timeout=15), _status(trunk)
            assert _status(trunk)[2] is None
        finally:
            trunks.delete_trunk(trunk.id, ACTOR)
