"""A browser guest and two SIP phones hear each other with everything in a private network (issue 16 item 5)."""
import os
import time
from contextlib import ExitStack

import pytest
from playwright.sync_api import expect

from appliance.models.conferences import ConferenceGuest
from appliance.services import conference_guests, conferences
from tests.browser.phone_helpers import PHONE_ARGS
from tests.browser.private_network import private_phone_system
from tests.browser.test_conference_media import (
    ADMIN,
    BROWSER_TONE,
    GUEST_TRACK,
    _assert_everyone_hears_the_others,
    _levels_everyone_hears,
    _members,
    _phones_join,
    _tone_wav,
)
from tests.waiting import wait_for

pytestmark = pytest.mark.engine


def test_a_browser_guest_and_two_sip_phones_hear_each_other_in_a_private_network(
        app, playwright, tmp_path):
    wav = _tone_wav(tmp_path / "tone.wav", BROWSER_TONE)
    home = os.readlink("/proc/thread-self/ns/net")
    with ExitStack() as stack:
        engine, base, browser = stack.enter_context(private_phone_system(
            app, playwright, tmp_path, [*PHONE_ARGS, f"--use-file-for-fake-audio-capture={wav}"]))
        assert os.readlink("/proc/thread-self/ns/net") != home

        room = conferences.save_room(conferences.RoomInput("890", "Sala isolada", announce=False), ADMIN)
        token, _ = conference_guests.issue_link(room.id, 1, ADMIN, app.config["SECRET_KEY"])
        page = browser.new_context(locale="pt-BR").new_page()
        page.goto(f"{base}/join/{token}?loopback=1")
        page.get_by_label("Seu nome").fill("Carla Visitante")
        page.locator("form button[type=submit]").click()
        expect(page.locator("#guest-status")).to_have_attribute("data-state", "in-room", timeout=20_000)
        guest = ConferenceGuest.get(ConferenceGuest.room == room.id)
        # Chromium's media pair is 127.0.0.1 host to host: the candidate Asterisk advertised for ICE_ADDRESS.
        pair = page.evaluate("""async () => {
          const pc = window.guestPhone.calls.get(window.guestState.callId).connection;
          const stats = await pc.getStats(); let found = null;
          stats.forEach((r) => { if (r.type === 'transport' && r.selectedCandidatePairId) {
            const p = stats.get(r.selectedCandidatePairId);
            found = [stats.get(p.localCandidateId), stats.get(p.remoteCandidateId)]
              .map((c) => `${c.address}/${c.candidateType}`); } });
          return found; }""")
        assert pair == ["127.0.0.1/host", "127.0.0.1/host"], pair

        parties = _phones_join(stack, engine, tmp_path, "890")
        assert wait_for(lambda: len(_members(engine, room)) == 3, 15), engine.cli("confbridge list")
        assert any(guest.sip_username in line for line in _members(engine, room))
        since = time.monotonic() + 1.0
        assert wait_for(lambda: time.monotonic() > since, 3)
        _assert_everyone_hears_the_others(_levels_everyone_hears(page, GUEST_TRACK, parties))
    # Back in the machine's namespace; the private one went with its last process.
    assert os.readlink("/proc/thread-self/ns/net") == home
