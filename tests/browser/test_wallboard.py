"""The TV wallboard in a real browser: a token link with no login, live over SSE, "desatualizado há N s"
when the web app dies, back by itself when it restarts, and dead once the link is revoked.

The web app runs in its own process (killed by PID and started again on the same port, as a
restart does); the daemon's queue board publishes in this process, as the daemon would.
"""
import json
import os
import socket
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from appliance import db, migrations
from appliance.asterisk.names import queue_name
from appliance.services import Actor, queue_board, queues, wallboards
from tests.engine.sipp import free_port
from tests.waiting import wait_for

SYSTEM = Actor.system("test")
RUNNER = """
import json, os, sys
from werkzeug.serving import run_simple
from web import create_app
run_simple("127.0.0.1", int(sys.argv[1]), create_app(json.loads(os.environ["CC_WALLBOARD_CONF"])), threaded=True)
"""


class WebApp:
    """The web app in a child process on ``port``; stop() kills it by PID, start() runs it again."""

    def __init__(self, conf, port):
        self.conf, self.port, self.process = conf, port, None

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def start(self):
        env = dict(os.environ, CC_WALLBOARD_CONF=json.dumps(self.conf))
        self.process = subprocess.Popen([sys.executable, "-c", RUNNER, str(self.port)], env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert wait_for(self._answers, 20), "the web app did not start"

    def stop(self):
        self.process.kill()
        self.process.wait(10)


@pytest.fixture
def site(tmp_path):
    conf = {"TESTING": True, "VAR_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
            "SECRET_KEY": "test", "ENGINE_ENABLED": False, "WALLBOARD_STALE_SECONDS": 3}
    migrations.upgrade(db.init(conf["DATABASE_URL"]))
    app = WebApp(conf, free_port())
    app.start()
    try:
        yield conf, app
    finally:
        if app.process.poll() is None:
            app.stop()
        db.close()


def test_the_wallboard_lives_goes_stale_recovers_after_a_restart_and_dies_when_revoked(site, browser):
    conf, app = site
    queue = queues.save_queue(queues.QueueInput(number="650", name="Vendas", members=[]), SYSTEM)
    board_row, secret = wallboards.create("Hall", [queue.id], SYSTEM)
    board = queue_board.QueueBoard(conf["VAR_DIR"])
    name = queue_name(queue.id)
    url = f"http://127.0.0.1:{app.port}/callcenter/tv/{secret}"

    context = browser.new_context(locale="pt-BR")  # a TV: no session, no login
    page = context.new_page()
    page.goto(url)
    waiting = page.locator("#queue-650 .waiting .tile-value")
    expect(waiting).to_have_text("0")
    expect(page.locator("#wallboard[data-updated]")).to_have_count(1)
    board.on_event({"Event": "QueueCallerJoin", "Queue": name, "Uniqueid": "u1", "CallerIDNum": "11999990000"})
    expect(waiting).to_have_text("1")
    assert "11999990000" not in page.content()  # a TV names no caller

    app.stop()
    expect(page.locator("#stale")).to_be_visible(timeout=10_000)
    expect(page.locator("#stale")).to_contain_text("desatualizado há")
    board.on_event({"Event": "QueueCallerJoin", "Queue": name, "Uniqueid": "u2", "CallerIDNum": "11999990001"})
    app.start()
    expect(page.locator("#stale")).to_be_hidden(timeout=15_000)
    expect(waiting).to_have_text("2")

    wallboards.revoke(board_row.id, SYSTEM)
    assert page.request.get(url).status == 404
    board.on_event({"Event": "QueueCallerLeave", "Queue": name, "Uniqueid": "u1"})  # the stream ends at its update
    expect(page.locator("#stale")).to_be_visible(timeout=10_000)
    expect(waiting).to_have_text("2")
    context.close()
