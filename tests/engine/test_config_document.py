"""A configuration document imported on a running box reaches Asterisk: its trunk, extension and inbound route
carry a carrier's call to the new extension's phone (registered with the password the import showed once)."""
import pytest
import yaml

from appliance.services import Actor
from tests.engine.sipp import Sipp
from web.config_document import import_document

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")
CARRIER = "127.0.0.67"
DID = "+551130004500"
DOCUMENT = {
    "version": 1,
    "trunks": [{"name": "Carrier YAML", "host": CARRIER, "kind": "ip", "match": CARRIER, "qualify_seconds": 0,
                "area_code": "11"}],
    "extensions": [{"number": "451", "name": "Yara"}],
    "inbound_routes": [{"did": DID, "destination": "extension:451", "name": "From YAML"}],
}


def test_an_imported_extension_and_inbound_route_take_a_carriers_call(pbx, tmp_path):
    outcome = import_document(yaml.safe_dump(DOCUMENT), ADMIN)
    assert outcome.counts()["created"] == 3, outcome
    [(number, username, password)] = outcome.new_passwords
    assert (number, username) == ("451", "451")
    assert "451" in pbx.cli("pjsip show endpoints")

    carrier = Sipp(pbx.settings.sip_port, workdir=tmp_path / "carrier", local_host=CARRIER)
    phones = Sipp(pbx.settings.sip_port, workdir=tmp_path / "phones")
    with phones.uas("451", password) as phone:
        call = carrier.carrier_call(DID, "11988887777")
        answered = phone.wait()

    assert call.ok, f"{call}\n--- Asterisk ---\n{pbx.log_tail(40)}"
    assert answered.received_requests("INVITE")[0].startswith("INVITE sip:451@")
