"""Jitsi dial-in with real SIP: a phone dials the dial-in number, types a meeting's PIN and is sent to jigasi.

A SIPp UAS registered with jigasi's login stands in for jigasi (it registers to our Asterisk as a SIP
client, confgen/jitsi.py): the INVITE it receives must carry ``Jitsi-Conference-Room`` naming the
meeting's room on the Jitsi server, which is how jigasi knows where to take the caller.
"""
import datetime
from contextlib import ExitStack

import pytest

from appliance.models.meetings import JitsiMeeting
from appliance.services import Actor, meetings, numbering
from appliance.watcher import Watcher
from tests.engine.rtp_party import RtpParty
from tests.engine.sipp import Sipp
from tests.pbx import driven_engine, extension_with_password
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")
DIALIN, JIGASI_PASSWORD = "8700", "jigasi-Secret-42"
CONFIG = meetings.JitsiConfig(url="https://meet.example.com", app_id="centralina", app_secret="s" * 32,
                              dialin_number=DIALIN)


@pytest.fixture
def engine(app):
    """A real Asterisk following the app's database, with the dial-in number and jigasi's login."""
    with driven_engine(jitsi_dialin_number=DIALIN, jigasi_password=JIGASI_PASSWORD) as engine:
        watcher = Watcher(engine, app.config["VAR_DIR"]).start()
        try:
            yield engine
        finally:
            engine.cli("channel request hangup all")
            watcher.stop()


def _meeting(title):
    start = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=5)
    saved = meetings.save_meeting(meetings.MeetingInput(title, start), ADMIN, CONFIG)
    return JitsiMeeting.get_by_id(saved.id)


def test_a_phone_dials_in_with_the_meeting_pin_and_reaches_jigasi_with_the_room_header(app, engine, tmp_path):
    _, password = extension_with_password("831", "Telefone 831")
    meeting = _meeting("Planejamento")
    # jigasi's login is a realtime endpoint; the dial-in number and the PINs are in the dialplan.
    assert "jigasi" in engine.cli("pjsip show endpoint jigasi")
    assert f"Goto(cn-jitsi-dialin,{DIALIN},1)" in engine.cli(f"dialplan show {DIALIN}@internal")
    assert wait_for(lambda: meeting.dialin_pin in engine.cli("dialplan show cn-jitsi-pins"), 10)
    # The number is the dial-in's in the numbering plan: no extension, group or room may take it.
    assert numbering.number_owner(DIALIN).kind == "jitsi_dialin"

    sipp = Sipp(engine.settings.sip_port, workdir=tmp_path, timeout=30)
    with ExitStack() as stack:
        jigasi = stack.enter_context(sipp.uas("jigasi", JIGASI_PASSWORD))
        party = stack.enter_context(RtpParty(500))
        stack.enter_context(sipp.call_with_media("831", password, DIALIN, party.port, hold_seconds=15))
        assert wait_for(lambda: party.remote, 10), "no PIN prompt"
        party.type_digits(meeting.dialin_pin + "#")
        assert jigasi.wait_for_request("INVITE", timeout=15), engine.log_tail()
        invite = jigasi.received_so_far("INVITE")[0]
        assert f"Jitsi-Conference-Room: {meeting.room_name}" in invite, invite


def test_a_wrong_pin_never_reaches_jigasi(app, engine, tmp_path):
    _, password = extension_with_password("832", "Telefone 832")
    meeting = _meeting("Revisão")
    wrong = "9" * len(meeting.dialin_pin)
    assert wrong != meeting.dialin_pin
    sipp = Sipp(engine.settings.sip_port, workdir=tmp_path, timeout=30)
    with ExitStack() as stack:
        jigasi = stack.enter_context(sipp.uas("jigasi", JIGASI_PASSWORD))
        party = stack.enter_context(RtpParty(500))
        stack.enter_context(sipp.call_with_media("832", password, DIALIN, party.port, hold_seconds=30))
        assert wait_for(lambda: party.remote, 10), "no PIN prompt"
        for _ in range(3):
            party.type_digits(wrong + "#")
        # Three wrong PINs: Asterisk hangs up the caller, and jigasi was never called.
        assert wait_for(lambda: "PJSIP/832-" not in engine.cli("core show channels"), 30), engine.cli(
            "core show channels")
        assert not jigasi.received_so_far("INVITE")
