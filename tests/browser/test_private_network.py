"""The browser media tests inside a private network namespace (issue 16 item 5).

Asterisk, SIPp, the in-process RTP parties, the web app's server and chromium all live in a fresh
network namespace whose only interface is ``lo``: nothing of theirs can clash with another process's
ports or reach the machine's network. Chromium is started by Playwright's driver (in the machine's
namespace) through a wrapper that enters the test's namespace first (nsenter); Playwright talks to it
over pipes, not the network. ICE needs one non-loopback address: 198.18.0.1 on ``lo``, which Asterisk
advertises as 127.0.0.1 (rtp.conf [ice_host_candidates]; notes/webrtc.md section 6).
"""
import os
import shutil
import subprocess
import threading
import time
from contextlib import ExitStack, contextmanager

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from appliance.models.conferences import ConferenceGuest
from appliance.services import conference_guests, conferences
from appliance.watcher import Watcher
from tests.browser.conftest import CHROMIUM
from tests.browser.phone_helpers import PHONE_ARGS
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
from tests.pbx import driven_engine
from tests.security import netns
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
#: The namespace's one address besides 127.0.0.1 (TEST-NET-2 benchmarking range: never routed).
ICE_ADDRESS = "198.18.0.1"


@contextmanager
def private_browser_network():
    """Move this thread into a private network (lo up, ICE_ADDRESS on it); yield its namespace's path."""
    if netns.missing():
        pytest.skip(netns.missing())
    if not shutil.which("nsenter"):
        pytest.skip("nsenter is not installed (Debian package util-linux)")
    with netns.private_network():
        subprocess.run(["ip", "addr", "add", f"{ICE_ADDRESS}/32", "dev", "lo"], check=True)
        yield f"/proc/{os.getpid()}/task/{threading.get_native_id()}/ns/net"


@contextmanager
def served(app):
    """The app on a free 127.0.0.1 port of the current namespace (the listening socket is made here)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_a_browser_guest_and_two_sip_phones_hear_each_other_in_a_private_network(
        app, playwright, tmp_path):
    wav = _tone_wav(tmp_path / "tone.wav", BROWSER_TONE)
    home = os.readlink("/proc/thread-self/ns/net")
    with ExitStack() as stack:
        namespace = stack.enter_context(private_browser_network())
        assert os.readlink(namespace) != home
        wrapper = tmp_path / "chromium-in-namespace"
        wrapper.write_text(f'#!/bin/sh\nexec nsenter --net={namespace} {CHROMIUM} "$@"\n')
        wrapper.chmod(0o755)
        engine = stack.enter_context(driven_engine(ice_host_candidates=((ICE_ADDRESS, "127.0.0.1"),)))
        watcher = Watcher(engine, app.config["VAR_DIR"]).start()
        stack.callback(watcher.stop)
        stack.callback(engine.cli, "channel request hangup all")
        app.config["WEBRTC_WS_URL"] = f"ws://127.0.0.1:{engine.settings.http_port}/ws"
        base = stack.enter_context(served(app))
        browser = playwright.chromium.launch(executable_path=str(wrapper), headless=True,
                                             args=[*PHONE_ARGS, f"--use-file-for-fake-audio-capture={wav}"])
        stack.callback(browser.close)

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
