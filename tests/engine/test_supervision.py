"""A supervisor listens to, whispers to and barges into an agent's queue call: real Asterisk, SIPp on every leg.

The daemon runs (its one AMI connection publishes the live channels the spy action looks up); the
supervisor's own phone (a SIPp UAS) is rung by an Originate and, once it answers, runs ChanSpy on
the agent's channel with the mode's options. The first test checks what Asterisk runs (application,
target channel, options); the second what each leg hears: caller, agent and supervisor each speak
their own tone (rtp_party.RtpParty), and each one's tone is measured in what the others receive.
"""
import threading
import time

import pytest

from appliance import daemon
from appliance.asterisk import control
from appliance.asterisk.names import queue_name
from appliance.models.extensions import Extension
from appliance.models.users import AuditEntry
from appliance.services import Actor, extensions, queues, supervision, users
from tests.conftest import PERSON_PASSWORD
from tests.engine.rtp_party import RtpParty
from tests.engine.sipp import Sipp
from tests.pbx import installation as pbx_installation
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
SYSTEM = Actor.system("test")


#: Each party's tone (Hz) and the levels (rtp_party.tone_level, amplitude 6000 spoken) that mean heard / not heard.
CALLER, AGENT, SUPERVISOR = 500, 900, 1400
HEARD, SILENT = 1000, 300


@pytest.fixture(scope="module")
def floor(tmp_path_factory):
    """Asterisk + the daemon; queue 650 with agent 701, caller 790, supervisor "sup" whose phone is 709."""
    with pbx_installation(tmp_path_factory.mktemp("floor")) as (conf, engine):
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


def _levels(parties, seconds=2.0):
    """Return ``{who: {tone: level}}`` of what each party heard over the next ``seconds`` (bounded wait)."""
    since = time.monotonic()
    assert wait_for(lambda: time.monotonic() > since + seconds, seconds + 2)
    return {who: {tone: round(party.level_since(tone, since)) for tone in (CALLER, AGENT, SUPERVISOR)}
            for who, party in parties.items()}


def _spy_and_listen(engine, sipp, floor, actor, mode, caller_rtp, agent_rtp):
    """Spy on 701 in ``mode`` from the supervisor's phone (speaking its tone); return what each leg heard."""
    conf, _, _, sup, people = floor
    before = {spy for spy, _ in _spies(engine)}
    with RtpParty(SUPERVISOR) as sup_rtp, \
            sipp.uas("709", people["709"].sip_password, timeout=20, media_port=sup_rtp.port) as phone:
        supervision.spy(conf["VAR_DIR"], sup, "701", mode, actor)
        assert wait_for(lambda: [spy for spy, _ in _spies(engine) if spy not in before], 10), mode
        sup_rtp.remote = wait_for(phone.remote_media, 10)
        settle = time.monotonic() + 0.5  # the spy's audiohooks attach once its phone answers
        assert wait_for(lambda: time.monotonic() > settle, 2)
        heard = _levels({"caller": caller_rtp, "agent": agent_rtp, "supervisor": sup_rtp})
        for spy in {spy for spy, _ in _spies(engine)} - before:
            engine.cli(f"channel request hangup {spy}")
        assert wait_for(lambda: {spy for spy, _ in _spies(engine)} <= before, 10)
    return heard


def test_each_leg_hears_what_its_mode_allows(floor, tmp_path):
    """Listen: nobody hears the supervisor; whisper: the agent does, the caller does not; barge: both do.
    The supervisor hears both sides in every mode."""
    conf, engine, queue, sup, people = floor
    sipp = Sipp(engine.settings.sip_port, workdir=tmp_path / "sipp")
    actor = Actor(user_id=sup.id, username="sup")
    device = people["701"].sip_username
    with RtpParty(AGENT) as agent_rtp, RtpParty(CALLER) as caller_rtp, \
            sipp.uas("701", people["701"].sip_password, timeout=60, media_port=agent_rtp.port) as agent:
        assert wait_for(lambda: any(row.get("Status") == "1" for row in control.current().queue_members()
                                    if row.get("Queue") == queue_name(queue.id)), 10), engine.cli("queue show")
        with sipp.call_with_media("790", people["790"].sip_password, "650", caller_rtp.port,
                                  hold_seconds=45) as call:
            assert agent.wait_for_request("INVITE", 10)
            assert wait_for(lambda: any(channel.get("channel", "").startswith(f"PJSIP/{device}-")
                                        and channel.get("state") == "Up"
                                        for channel in supervision.live.read(conf["VAR_DIR"]).channels), 10)
            # Nobody speaks first on a bridged call: each phone sends to where the SDP it received points.
            for party, process in ((agent_rtp, agent), (caller_rtp, call)):
                party.remote = wait_for(process.remote_media, 10)
            assert agent_rtp.remote and caller_rtp.remote, "no SDP"
            heard = {mode: _spy_and_listen(engine, sipp, floor, actor, mode, caller_rtp, agent_rtp)
                     for mode in ("listen", "whisper", "barge")}
            for mode, levels in heard.items():
                # The call itself: caller and agent hear each other whatever the supervisor does.
                assert levels["caller"][AGENT] > HEARD and levels["agent"][CALLER] > HEARD, (mode, heard)
                # The supervisor hears both sides in every mode.
                assert levels["supervisor"][CALLER] > HEARD and levels["supervisor"][AGENT] > HEARD, (mode, heard)
            assert heard["listen"]["agent"][SUPERVISOR] < SILENT, heard
            assert heard["listen"]["caller"][SUPERVISOR] < SILENT, heard
            assert heard["whisper"]["agent"][SUPERVISOR] > HEARD, heard
            assert heard["whisper"]["caller"][SUPERVISOR] < SILENT, heard
            assert heard["barge"]["agent"][SUPERVISOR] > HEARD, heard
            assert heard["barge"]["caller"][SUPERVISOR] > HEARD, heard
