"""A supervisor listens to, whispers to and barges into an agent's queue call: real Asterisk, SIPp on every leg.

The daemon runs (its one AMI connection publishes the live channels the spy action looks up); the
supervisor's own phone (a SIPp UAS) is rung by an Originate and, once it answers, runs ChanSpy on
the agent's channel with the mode's options. Audio on each leg is not checked here (see the report):
what is checked is what Asterisk runs — the application, its target channel and its options.
"""
import threading

import pytest

from appliance import daemon
from appliance.asterisk import control
from appliance.asterisk.names import queue_name
from appliance.models.extensions import Extension
from appliance.models.users import AuditEntry
from appliance.services import Actor, extensions, queues, supervision, users
from tests.conftest import PERSON_PASSWORD
from tests.engine.sipp import Sipp
from tests.pbx import installation as pbx_installation
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
SYSTEM = Actor.system("test")


@pytest.fixture
def floor(tmp_path):
    """Asterisk + the daemon; queue 650 with agent 701, caller 790, supervisor "sup" whose phone is 709."""
    with pbx_installation(tmp_path) as (conf, engine):
        people = {number: extensions.create(extensions.ExtensionInput(number, f"Pessoa {number}"), SYSTEM)[1]
                  for number in ("701", "709", "790")}
        queue = queues.save_queue(queues.QueueInput(number="650", name="Vendas", members=[
            queues.MemberInput("701")]), SYSTEM)
        sup = users.create(users.UserInput("sup", PERSON_PASSWORD, "Sup", role="supervisor"), SYSTEM)
        Extension.update(user=sup.id).where(Extension.number == "709").execute()
        supervision.set_supervisors(queue.id, [sup.id], SYSTEM)  # compiles who may spy by feature code
        # Devices made after start are linked to their AORs' state only by a res_pjsip reload (decision 021).
        assert "reloaded successfully" in engine.cli("module reload res_pjsip.so")
        stop = threading.Event()
        thread = threading.Thread(target=daemon.run, args=(conf, stop), daemon=True)
        thread.start()
        try:
            yield conf, engine, queue, sup, people
        finally:
            stop.set()
            thread.join(20)


def _spies(engine):
    """Return the ChanSpy channels now: ``[(channel, data)]`` from ``core show channels concise``."""
    rows = [line.split("!") for line in engine.cli("core show channels concise").splitlines() if "!" in line]
    return [(row[0], row[6]) for row in rows if len(row) > 6 and row[5] == "ChanSpy"]


def test_listen_whisper_and_barge_ring_the_supervisors_phone_and_spy_on_the_agent(floor, tmp_path):
    conf, engine, queue, sup, people = floor
    sipp = Sipp(engine.settings.sip_port, workdir=tmp_path / "sipp")
    actor = Actor(user_id=sup.id, username="sup")
    with sipp.uas("701", people["701"].sip_password, timeout=40) as agent:
        assert wait_for(lambda: any(row.get("Status") == "1" for row in control.current().queue_members()
                                    if row.get("Queue") == queue_name(queue.id)), 10), engine.cli("queue show")
        with sipp.call_menu("790", people["790"].sip_password, "650", [], hang_up_after=25) as call:
            assert agent.wait_for_request("INVITE", 10)
            device = people["701"].sip_username
            assert wait_for(lambda: any(channel.get("channel", "").startswith(f"PJSIP/{device}-")
                                        and channel.get("state") == "Up"
                                        for channel in supervision.live.read(conf["VAR_DIR"]).channels), 10)
            seen = set()
            for mode, options in (("listen", "qE"), ("whisper", "qEw"), ("barge", "qEB")):
                with sipp.uas("709", people["709"].sip_password, timeout=20) as phone:
                    supervision.spy(conf["VAR_DIR"], sup, "701", mode, actor)
                    assert phone.wait_for_request("INVITE", 10), mode

                    def new_spies():
                        return [spy for spy in _spies(engine) if spy[0] not in seen]
                    assert wait_for(new_spies, 10), engine.cli("core show channels concise")
                    (channel, data), = new_spies()
                    seen.add(channel)
                    assert channel.startswith(f"PJSIP/{people['709'].sip_username}-")
                    assert data.startswith(f"PJSIP/{device}-") and data.endswith(f",{options}"), data
            # By feature code from the supervisor's desk phone: whisper to 701. The caller's phone may not.
            with sipp.call_menu("790", people["790"].sip_password, "*222701", [], hang_up_after=2) as refused:
                assert refused.wait().ok
            assert not new_spies(), "a non-supervisor could spy"
            with sipp.call_menu("709", people["709"].sip_password, "*223701", [], hang_up_after=8):
                assert wait_for(new_spies, 10), engine.cli("core show channels concise")
                (channel, data), = new_spies()
                seen.add(channel)
                assert data == f"PJSIP/{device}-,qEw", data
            assert wait_for(lambda: AuditEntry.select().where(AuditEntry.action == "agent.spy.whisper",
                                                              AuditEntry.after.contains("feature code")).count(), 10)
            # E: every spy ends with the agent's call.
            assert call.wait().ok
            assert wait_for(lambda: not _spies(engine), 10), engine.cli("core show channels concise")
    assert {entry.action for entry in AuditEntry.select().where(AuditEntry.actor_name == "sup")} >= {
        "agent.spy.listen", "agent.spy.whisper", "agent.spy.barge"}
