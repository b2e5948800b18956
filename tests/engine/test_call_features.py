"""DND, forwards, ring groups, pickup, voicemail and call limits change what a real Asterisk does with real calls."""
import re
import threading
import time

import pytest

from appliance.asterisk import cdr, control, voicemail_spool
from appliance.asterisk.ami import Ami, AmiActionFailed, AmiSettings
from appliance.models.call_history import CallRecord
from appliance.models.extensions import Extension
from appliance.services import Actor, extension_settings, extensions, groups, mail, voicemail, voicemail_mail
from tests.engine.sipp import Sipp
from tests.smtp import SmtpServer
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")


@pytest.fixture
def sipp(pbx, tmp_path):
    return Sipp(pbx.settings.sip_port, workdir=tmp_path)


def _ext(number, name=None, **fields):
    """Return (extension, its first device's SIP password), creating it once; apply ``fields``."""
    extension = extensions.find_extension(number)
    if extension is None:
        extension, _ = extensions.create(extensions.ExtensionInput(number, name or f"Ramal {number}"), ADMIN)
    if fields:  # through the service, as the extension page saves them
        extensions.update(extension.id, extensions.ExtensionChanges(extension.name, True, **fields), ADMIN)
    extension = Extension.get_by_id(extension.id)
    return extension, extension.devices[0].sip_password


@pytest.fixture
def call_settings():
    """Change extensions' call settings in one test; they go back afterwards, whether the test passed or not."""
    before = {}

    def change(extension, **changes):
        before.setdefault(extension.id, extension_settings.current(Extension.get_by_id(extension.id)))
        return _settings(extension, **changes)

    yield change
    for extension_id, settings in before.items():
        extension_settings.update(extension_id, settings, ADMIN)


def _settings(extension, **changes):
    settings = extension_settings.current(extension)
    for key, value in changes.items():
        setattr(settings, key, value)
    return extension_settings.update(extension.id, settings, ADMIN)


def _in_background(function, *args, **kwargs):
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", function(*args, **kwargs)))
    thread.start()
    return thread, box


def test_dnd_gives_busy_without_voicemail_and_the_toggle_is_in_astdb(pbx, sipp, call_settings):
    _, alice = _ext("401")
    bob, bob_pw = _ext("402", voicemail_enabled=False)
    call_settings(bob, dnd=True)
    with Ami(AmiSettings.for_engine(pbx.settings)) as ami:
        assert ami.db_get("CN", "402/dnd") == "1"
    assert Extension.get_by_id(bob.id).toggles_pushed

    with sipp.uas("402", bob_pw) as uas:
        busy = sipp.call("401", alice, "402", expect_status=486)
    assert busy.ok, str(busy)
    assert not uas.result.received_requests("INVITE")  # the phone never rang

    call_settings(Extension.get_by_id(bob.id), dnd=False)
    with sipp.uas("402", bob_pw) as uas:
        assert sipp.call("401", alice, "402", hold_seconds=0.2).ok
        assert uas.wait().received_requests("INVITE")


def test_dnd_with_voicemail_answers_with_the_mailbox(pbx, sipp, call_settings):
    _, alice = _ext("401")
    carol, _ = _ext("403", voicemail_enabled=True)
    call_settings(carol, dnd=True)

    call = sipp.call("401", alice, "403", hold_seconds=1)

    assert call.ok, call  # answered by VoiceMail(403@default,b)


def test_forward_always_reaches_the_target(pbx, sipp, call_settings):
    _, alice = _ext("401")
    dave, dave_pw = _ext("404")
    _, erin_pw = _ext("405")
    call_settings(dave, forward_always="405")

    with sipp.uas("404", dave_pw) as desk, sipp.uas("405", erin_pw) as target:
        call = sipp.call("401", alice, "404", hold_seconds=0.3)
        answered = target.wait()
    assert call.ok, str(call)
    assert answered.received_requests("INVITE")
    assert not desk.result.received_requests("INVITE")


def test_no_answer_forwards_after_the_ring_time(pbx, sipp, call_settings):
    _, alice = _ext("401")
    frank, frank_pw = _ext("406")
    _, grace_pw = _ext("407")
    call_settings(frank, forward_no_answer="407", ring_seconds=5)

    with sipp.uas("406", frank_pw, answer=False) as desk, sipp.uas("407", grace_pw) as target:
        started = time.monotonic()
        call = sipp.call("401", alice, "406", hold_seconds=0.3)
        elapsed = time.monotonic() - started
        answered = target.wait()
    assert call.ok, str(call)
    assert desk.result.received_requests("INVITE") and desk.result.received_requests("CANCEL")
    assert answered.received_requests("INVITE")
    assert elapsed >= 5


def test_a_hunt_group_rings_members_in_order(pbx, sipp):
    _, alice = _ext("401")
    _, first_pw = _ext("411")
    _, second_pw = _ext("412")
    groups.save_ring_group(groups.RingGroupInput("610", "Vendas", "hunt", member_seconds=3,
                                                 members=["411", "412"]), ADMIN)

    with sipp.uas("411", first_pw, answer=False) as first, sipp.uas("412", second_pw) as second:
        call = sipp.call("401", alice, "610", hold_seconds=0.3)
        answered = second.wait()
    assert call.ok, str(call)
    assert first.result.received_requests("INVITE") and first.result.received_requests("CANCEL")
    assert answered.received_requests("INVITE")


def test_an_unanswered_ring_group_goes_to_its_destination(pbx, sipp):
    _, alice = _ext("401")
    _, member_pw = _ext("413")
    _, boss_pw = _ext("414")
    groups.save_ring_group(groups.RingGroupInput("611", "Suporte", "ringall", ring_seconds=3, members=["413"],
                                                 destination="extension:414"), ADMIN)

    with sipp.uas("413", member_pw, answer=False), sipp.uas("414", boss_pw) as boss:
        call = sipp.call("401", alice, "611", hold_seconds=0.3)
        assert boss.wait().received_requests("INVITE")
    assert call.ok, str(call)


@pytest.mark.parametrize("code", ["*8", "**422"])
def test_a_ringing_call_is_picked_up_by_a_colleague(pbx, sipp, code):
    _, alice = _ext("401")
    _, ringing_pw = _ext("422")
    _, helper_pw = _ext("423")
    groups.save_pickup_group("Recepção", ["422", "423"], ADMIN,
                             group_id=next((g.id for g in groups.list_pickup_groups()), None))

    with sipp.uas("422", ringing_pw, answer=False) as desk:
        thread, box = _in_background(sipp.call_until_hung_up, "401", alice, "422", timeout=20)
        if not desk.wait_for_request("INVITE"):
            thread.join(25)
            pytest.fail(f"the desk never rang; the caller saw {box.get('result')}")
        picked = sipp.call("423", helper_pw, code, hold_seconds=0.5)
        thread.join(25)
        desk.wait()
    assert picked.ok, str(picked)
    assert box["result"].ok, box["result"]  # the caller was answered by the colleague, then hung up on
    assert desk.result.received_requests("CANCEL")


def test_both_devices_of_an_extension_ring(pbx, sipp):
    _, alice = _ext("401")
    heidi, heidi_pw = _ext("431")
    soft_device = extensions.add_device(heidi.id, "softphone", ADMIN)

    with sipp.uas("431", heidi_pw, answer=False) as desk, \
            sipp.uas(soft_device.sip_username, soft_device.sip_password) as soft:
        call = sipp.call("401", alice, "431", hold_seconds=0.3)
        soft.wait()
    assert call.ok, str(call)
    assert desk.result.received_requests("INVITE") and desk.result.received_requests("CANCEL")
    assert soft.result.received_requests("INVITE")


def test_the_call_limit_gives_busy(pbx, sipp):
    _, alice = _ext("401")
    ivan, ivan_pw = _ext("432", max_calls=1, voicemail_enabled=False)
    _, judy = _ext("433")

    with sipp.uas("432", ivan_pw, answer=False) as desk:
        thread, _ = _in_background(sipp.call, "401", alice, "432", expect_status=487)
        assert desk.wait_for_request("INVITE")
        second = sipp.call("433", judy, "432", expect_status=486)
        # Let the ringing first call end: hang up the device's INVITE from Asterisk's side.
        with Ami(AmiSettings.for_engine(pbx.settings)) as ami:
            for channel in ami.core_show_channels():
                try:
                    ami.hangup(channel["Channel"])
                except AmiActionFailed:  # gone with its peer
                    pass
        thread.join(20)
    assert second.ok, str(second)


def test_a_voicemail_with_real_audio_lands_in_the_mailbox_and_lights_the_lamp(pbx, sipp, call_settings):
    _, alice = _ext("401")
    kim, kim_pw = _ext("441", voicemail_enabled=True)
    call_settings(kim, dnd=True)  # straight to the mailbox, while the desk phone listens for MWI
    inbox = pbx.host_path(pbx.instance_dir / "spool" / "voicemail" / "default" / "441" / "INBOX")

    def saved():
        return sorted(p.suffix for p in inbox.iterdir()) if inbox.is_dir() else []

    with sipp.notifies("441", kim_pw, seconds=40) as lamp:
        call = sipp.call_with_audio("401", alice, "441", wait_seconds=11, after_seconds=4)
        # VoiceMail() files the message after the hang-up, in the call's thread: under load, later.
        wait_for(lambda: saved() == [".txt", ".wav"], timeout=20)
        notifies = wait_for(lambda: [m for m in lamp.received_so_far("NOTIFY") if "Messages-Waiting: yes" in m],
                            timeout=20) or lamp.received_so_far("NOTIFY")
    assert call.ok, str(call)
    assert saved() == [".txt", ".wav"]
    wav = next(inbox.glob("*.wav"))
    assert wav.stat().st_size > 8000  # at least half a second of 8 kHz 16-bit audio
    assert "callerid=" in next(inbox.glob("*.txt")).read_text()
    assert any("Messages-Waiting: yes" in m for m in notifies), notifies


def test_the_voicemail_shows_in_the_panel_and_is_mailed_with_its_audio(pbx, sipp, call_settings):
    _, alice = _ext("401", "Alice")
    nina, _ = _ext("442", voicemail_enabled=True, email="nina@example.com")
    call_settings(nina, dnd=True)
    smtp = SmtpServer().start()
    try:
        mail.save_settings(mail.MailSettingsInput("127.0.0.1", smtp.port, "none", "", "", "pbx@example.com"), ADMIN)
        assert sipp.call_with_audio("401", alice, "442", wait_seconds=11, after_seconds=3).ok

        # Asterisk moves the recording into the mailbox after the caller hangs up: wait for it there.
        messages = wait_for(lambda: [m for m in voicemail.list_messages(Extension.get_by_id(nina.id))
                                     if m.audio_path is not None])
        result = voicemail_mail.notify(voicemail_spool.spool_root(pbx), "America/Sao_Paulo")
        again = voicemail_mail.notify(voicemail_spool.spool_root(pbx), "America/Sao_Paulo")
    finally:
        smtp.stop()
    assert [(m.folder, m.caller_number) for m in messages] == [("INBOX", "401")]
    assert (result.sent, again.sent) == (1, 0)
    _, recipients, email = smtp.messages[0]
    assert recipients == ["nina@example.com"]
    attachment = next(email.iter_attachments())
    assert attachment.get_content_type() in ("audio/wav", "audio/x-wav")
    assert attachment.get_content()[:4] == b"RIFF"


def test_a_missed_call_is_recorded_as_not_answered(pbx, sipp):
    _, alice = _ext("451")
    _, lou_pw = _ext("452", voicemail_enabled=False, ring_seconds=5)

    with sipp.uas("452", lou_pw, answer=False):
        sipp.call("451", alice, "452", expect_status=480, hold_seconds=0)
    rows = CallRecord.select().where((CallRecord.src == "451") & (CallRecord.dst == "452"))
    deadline = time.monotonic() + 10
    while not rows.count() and time.monotonic() < deadline:
        cdr.ingest(pbx)
        time.sleep(0.2)
    # One call (one linkedid); the dialplan going on after Dial may add a record of the same call.
    assert {r.disposition for r in rows} == {"NO ANSWER"} and len({r.linkedid for r in rows}) == 1


def test_feature_codes_set_dnd_and_forward_in_astdb(pbx, sipp):
    mia, mia_pw = _ext("461")
    extension_settings.reconcile()  # what the daemon does as it connects: AstDB now follows the rows

    assert sipp.call("461", mia_pw, "*78", hold_seconds=2).ok
    assert sipp.call("461", mia_pw, "*72401", hold_seconds=2).ok
    with Ami(AmiSettings.for_engine(pbx.settings)) as ami:
        assert ami.db_get("CN", "461/dnd") == "1"
        assert ami.db_get("CN", "461/fwd_always") == "401"
    # Made while no daemon listened for the UserEvents: the next reconcile takes them in.
    pushed, taken = extension_settings.reconcile()
    mia = Extension.get_by_id(mia.id)
    assert (mia.dnd, mia.forward_always) == (True, "401") and taken == 2

    assert sipp.call("461", mia_pw, "*79", hold_seconds=2).ok
    with Ami(AmiSettings.for_engine(pbx.settings)) as ami:
        assert ami.db_get("CN", "461/dnd") is None  # a cleared toggle is no key at all


@pytest.mark.parametrize("dialled", ["*72401,Extension:464", "*72401;Value=1", "**463&464"])
def test_a_feature_code_refuses_anything_but_a_number(pbx, sipp, dialled):
    # Issue 9, finding 11: a comma in the target added fields to the UserEvent the daemon mirrors,
    # so a phone could record a forward on another extension (the last "Extension" header wins).
    _ext("464")
    _, mia_pw = _ext("463")
    extension_settings.reconcile()
    with Ami(AmiSettings.for_engine(pbx.settings)) as ami:
        before = ami.db_tree("CN")

    assert sipp.call("463", mia_pw, dialled, expect_status=484).ok
    with Ami(AmiSettings.for_engine(pbx.settings)) as ami:
        assert ami.db_tree("CN") == before
    assert Extension.get(Extension.number == "464").forward_always == ""


def test_a_forward_to_a_plus_number_is_taken(pbx, sipp):
    _, nico_pw = _ext("465")
    assert sipp.call("465", nico_pw, "*72+5511999990000", hold_seconds=1).ok
    with Ami(AmiSettings.for_engine(pbx.settings)) as ami:
        assert ami.db_get("CN", "465/fwd_always") == "+5511999990000"


def test_a_blf_key_sees_dnd_as_busy_through_the_pattern_hint(pbx, sipp, call_settings):
    watcher, watcher_pw = _ext("471")
    olga, _ = _ext("472")  # one device: no hint line of its own, the pattern hint serves it

    with sipp.subscribe_blf("471", watcher_pw, "472") as blf:
        deadline = time.monotonic() + 10
        while not blf.received_so_far("NOTIFY") and time.monotonic() < deadline:
            time.sleep(0.1)
        first = blf.received_so_far("NOTIFY")
        call_settings(olga, dnd=True)
        result = blf.wait()
    states = [re.search(r"<state>(\w+)</state>", notify).group(1) for notify in result.received_requests("NOTIFY")]
    assert first and "<state>terminated</state>" in first[0]  # idle
    # DND shows busy. The push sets the DND lamp and the presence state: Asterisk may send a NOTIFY for
    # each change (the full suite once saw idle, idle, busy), but the key must end busy and never flap.
    assert states[0] == "terminated" and states[-1] == "confirmed", states
    assert states == sorted(states, key=lambda state: state == "confirmed"), states


def test_presence_reaches_a_phone_subscribed_to_it(pbx, sipp, call_settings):
    watcher, watcher_pw = _ext("473")
    pia, _ = _ext("474")

    with sipp.subscribe_blf("473", watcher_pw, "474", event="presence", accept="application/pidf+xml") as key:
        deadline = time.monotonic() + 10
        while not key.received_so_far("NOTIFY") and time.monotonic() < deadline:
            time.sleep(0.1)
        call_settings(pia, presence="lunch", presence_text="Almoço até 14h")
        result = key.wait()
    with Ami(AmiSettings.for_engine(pbx.settings)) as ami:
        presence = ami.presence_state("CustomPresence:474")
    assert presence == {"State": "away", "Subtype": "lunch", "Message": "Almoço até 14h"}
    # The change reached the subscribed phone (its PIDF carries the device's open/closed state). The DND
    # lamp the same push sets may move the hint's device state too, in the same NOTIFY or one more.
    assert len(result.received_requests("NOTIFY")) >= 2


class _StopAfter:
    """A stop signal that is set after ``checks`` looks at it (the daemon's SIGTERM, mid-push)."""

    def __init__(self, checks):
        self.checks = checks

    def is_set(self):
        self.checks -= 1
        return self.checks < 0


def test_a_first_push_stops_between_chunks_and_the_next_goes_on_where_it_stopped(pbx, monkeypatch, call_settings):
    # At 10,000 extensions a first push took a minute and the daemon's stop waited for all of it.
    forwarding, _ = _ext("481")
    call_settings(forwarding, forward_always="401")
    with Ami(AmiSettings.for_engine(pbx.settings)) as ami:
        for name in ami.db_tree("CN"):
            ami.db_del("CN", name)  # an AstDB that never saw us: every extension must be pushed
    Extension.update(toggles_pushed=False).execute()
    total = Extension.select().count()
    monkeypatch.setattr(extension_settings, "PUSH_CHUNK", 1)

    pushed, _ = extension_settings.reconcile(stop=_StopAfter(2))

    assert pushed == 2 and Extension.select().where(Extension.toggles_pushed).count() == 2
    with Ami(AmiSettings.for_engine(pbx.settings)) as ami:
        assert control.SYNCED_KEY not in ami.db_tree("CN")  # not all there: the next run starts over
    deletes = []
    monkeypatch.setattr(Ami, "db_del", lambda self, family, key: deletes.append(key))
    pushed, _ = extension_settings.reconcile()
    assert not deletes  # an AstDB we just read holds no key of an unset toggle: nothing to delete
    assert pushed == total and Extension.select().where(~Extension.toggles_pushed).count() == 0
    with Ami(AmiSettings.for_engine(pbx.settings)) as ami:
        tree = ami.db_tree("CN")
        assert tree[f"{forwarding.number}/fwd_always"] == "401" and tree[control.SYNCED_KEY] == "1"
