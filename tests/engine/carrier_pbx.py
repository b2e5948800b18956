"""A carrier for trunk tests: a second Asterisk from the same engine root, on its own loopback address.

It is a registrar with digest auth for the accounts it is given (endpoint + auth + AOR in its own
pjsip.conf, no realtime) and answers OPTIONS, as a carrier's SBC does.
"""
import dataclasses
import shutil
from contextlib import contextmanager

from appliance.asterisk.confgen import EngineInput, render_all
from appliance.asterisk.engine import Engine
from tests.engine.sipp import free_port
from tests.pbx import engine_settings


def _account(username, password):
    return f"""
[{username}]
type = auth
auth_type = digest
username = {username}
password = {password}

[{username}]
type = aor
max_contacts = 1
remove_existing = yes

[{username}]
type = endpoint
auth = {username}
aors = {username}
context = carrier-in
disallow = all
allow = alaw,ulaw
"""


def _trusted(address):
    return f"""
[pbx]
type = endpoint
context = carrier-in
disallow = all
allow = alaw,ulaw

[pbx]
type = identify
endpoint = pbx
match = {address}
"""


@contextmanager
def carrier(address, accounts=None, also_on=None, trusts=None):
    """Start a carrier Asterisk on ``address`` (127.0.0.x); yield its Engine (``.settings.sip_port``).

    ``accounts``: {user name: password} it accepts REGISTERs from. ``also_on``: another
    127.0.0.x address it listens on too (a port of its own: ``engine.also_port``). ``trusts``: an
    address it takes requests from without a challenge (an IP-authenticated customer).
    """
    settings = dataclasses.replace(engine_settings("carrier"), bind_address=address)
    engine = Engine(settings)
    engine.create_dirs()
    files = render_all(EngineInput(settings))
    # Every PJSIP object from pjsip.conf: this carrier has no database.
    files["sorcery.conf"] = "[res_pjsip]\n"
    extra = "".join(_account(user, password) for user, password in (accounts or {}).items())
    if trusts:
        extra += _trusted(trusts)
    engine.also_port = None
    if also_on:
        engine.also_port = free_port()
        extra += f"\n[transport-also]\ntype = transport\nprotocol = udp\nbind = {also_on}:{engine.also_port}\n"
    files["pjsip.conf"] += extra
    files["extensions.conf"] += "\n[carrier-in]\nexten => _X.,1,Answer()\n same => n,Hangup()\n"
    for name, text in files.items():
        engine.write_file(name, text)
    try:
        engine.start()
        yield engine
    finally:
        engine.stop()
        shutil.rmtree(engine.host_path(engine.instance_dir), ignore_errors=True)


def registered_users(engine):
    """Return the account names holding a registration at the carrier (from ``pjsip show contacts``)."""
    out = engine.cli("pjsip show contacts")
    return {line.split()[1].split("/")[0] for line in out.splitlines() if line.strip().startswith("Contact:")
            and "/" in line and "<Aor/ContactUri" not in line}
