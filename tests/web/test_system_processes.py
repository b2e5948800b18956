"""The System page shows what the supervisor restarted, and what it gave up on."""
import signal
import time

from appliance import supervision


def _publish(app, **daemon):
    supervision.publish(app.config["VAR_DIR"], [
        supervision.ProcessStatus("asterisk", restarts=1, last_exit_code=-signal.SIGKILL, last_exit_at=time.time()),
        supervision.ProcessStatus("web"),
        supervision.ProcessStatus("daemon", **daemon),
    ])


def test_restarts_and_how_each_process_last_ended_are_listed(app, auth, client):
    _publish(app, restarts=2, last_exit_code=1, last_exit_at=time.time())
    auth.login()

    page = client.get("/admin/system", headers={"HX-Request": "true"}, query_string={"part": "status"})
    html = page.get_data(as_text=True)

    assert 'id="processes"' in html
    asterisk = html.split('id="process-asterisk"')[1].split("</tr>")[0]
    daemon = html.split('id="process-daemon"')[1].split("</tr>")[0]
    assert '<td class="restarts">1</td>' in asterisk and "killed (SIGKILL)" in asterisk
    assert '<td class="restarts">2</td>' in daemon and "exited with status 1" in daemon
    assert "Engine daemon" in daemon
    assert "no longer restarted" not in html


def test_a_process_given_up_is_said_so_plainly(app, auth, client):
    _publish(app, state="failed", restarts=4, last_exit_code=1, last_exit_at=time.time())
    auth.login()

    html = client.get("/admin/system").get_data(as_text=True)

    assert "Engine daemon stopped again right after each restart and is no longer restarted" in html
    assert "Given up" in html.split('id="process-daemon"')[1].split("</tr>")[0]


def test_without_a_supervisor_no_process_table_is_shown(app, auth, client):
    auth.login()
    assert 'id="processes"' not in client.get("/admin/system").get_data(as_text=True)
