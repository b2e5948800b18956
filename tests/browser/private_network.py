"""Browser media tests inside a private network namespace (issue 16 item 5).

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
from contextlib import ExitStack, contextmanager

import pytest
from werkzeug.serving import make_server

from appliance.watcher import Watcher
from tests.browser.conftest import CHROMIUM
from tests.pbx import driven_engine
from tests.security import netns

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


@contextmanager
def private_phone_system(app, playwright, workdir, browser_args):
    """Asterisk following the app's database, the app's server and a chromium, all in one private network.

    Yield ``(engine, base URL, browser)``; SIPp started from this thread runs in that network too.
    """
    with ExitStack() as stack:
        namespace = stack.enter_context(private_browser_network())
        wrapper = workdir / "chromium-in-namespace"
        wrapper.write_text(f'#!/bin/sh\nexec nsenter --net={namespace} {CHROMIUM} "$@"\n')
        wrapper.chmod(0o755)
        engine = stack.enter_context(driven_engine(ice_host_candidates=((ICE_ADDRESS, "127.0.0.1"),)))
        watcher = Watcher(engine, app.config["VAR_DIR"]).start()
        stack.callback(watcher.stop)
        stack.callback(engine.cli, "channel request hangup all")
        app.config["WEBRTC_WS_URL"] = f"ws://127.0.0.1:{engine.settings.http_port}/ws"
        base = stack.enter_context(served(app))
        browser = playwright.chromium.launch(executable_path=str(wrapper), headless=True, args=browser_args)
        stack.callback(browser.close)
        yield engine, base, browser
