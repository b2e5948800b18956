"""Self-healing (issue 9, finding 15): under `centralina run`, a process killed with -9 comes back on its own.

Before: the supervisor stopped the whole appliance when one process died. Now it restarts
the dead one (Asterisk with the current compiled configuration), the phones carry on, and
no call record is lost or copied twice across a daemon restart. The VoiceBot's server
(issue 15) comes back too and answers its AudioSocket calls again.
"""
import contextlib
import fcntl
import os
import signal
import sqlite3

import numpy
import pytest

from appliance.asterisk import cdr
from appliance.asterisk.confgen.cdr import CDR_TABLE
from appliance.services import Actor, bots
from tests.engine.sipp import SIPP, Sipp
from tests.engine.voicebot_site import _listening, conversation_uuid, converse, spoken
from tests.pbx import extension_with_password
from tests.security.appliance import running_appliance, wait_for

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def phones():
    """SIP passwords of the appliance's extensions, filled in before it starts."""
    return {}


@pytest.fixture(scope="module")
def appliance(phones):
    if os.geteuid() != 0:
        pytest.skip("the engine runs in a chroot: root required")
    if not os.access(SIPP, os.X_OK):
        pytest.skip("sipp is not installed (apt-get install sip-tester)")

    def prepare(conf):
        for number, name in (("201", "Alice"), ("202", "Bob")):
            phones[number] = extension_with_password(number, name)[1]
        phones["bot"] = bots.save_bot(bots.BotInput("Atendente", language="en", retries=0, intents=[
            bots.IntentInput("support", "extension:201", phrases="I need support", keywords="support",
                             answer="One moment please"),
            bots.IntentInput("sales", "extension:202", phrases="I want to buy a phone", keywords="sales")]),
            Actor.system("test")).id

    with running_appliance(prepare) as running:
        yield running


@pytest.fixture
def sipp(appliance, tmp_path):
    return Sipp(appliance.conf["SIP_PORT"], workdir=tmp_path)


def _call_goes_through(sipp, phones):
    with sipp.uas("201", phones["201"]) as phone:
        placed = sipp.call("202", phones["202"], "201", hold_seconds=0.3)
        answered = phone.wait()
    return placed.ok and answered.ok, (placed, answered)


def test_asterisk_killed_with_9_restarts_and_phones_call_again(appliance, sipp, phones):
    ok, results = _call_goes_through(sipp, phones)
    assert ok, results
    killed = appliance.pid("asterisk")
    dialplan = appliance.engine.host_path(appliance.engine.instance_dir / "etc" / "extensions.conf")
    with open(dialplan, "a") as handle:
        handle.write("; not what the database compiles to\n")

    os.kill(killed, signal.SIGKILL)

    status = appliance.wait_running("asterisk", restarts=1)
    assert status.pid != killed
    assert status.last_signal == "SIGKILL"
    assert "not what the database compiles to" not in dialplan.read_text()  # booted on a fresh compile
    # The phone re-registers (its refresh, or after its next failed request) and calls work again.
    assert wait_for(lambda: sipp.register("201", phones["201"]).ok, timeout=30), appliance.output()[-3000:]
    ok, results = _call_goes_through(sipp, phones)
    assert ok, results
    assert "asterisk killed by SIGKILL; restarting it" in appliance.output()
    for name in ("web", "provisioning", "daemon"):
        assert appliance.status(name).restarts == 0  # the others never stopped


def _records(appliance):
    """Return the (uniqueid, sequence) pairs Asterisk wrote and those the app copied, and the copier's cursor."""
    engine = appliance.engine
    with contextlib.closing(sqlite3.connect(engine.host_path(engine.settings.cdr_db), timeout=5)) as source:
        written = source.execute(f'SELECT uniqueid, sequence FROM "{CDR_TABLE}" ORDER BY AcctId').fetchall()
        last = source.execute(f'SELECT MAX(AcctId) FROM "{CDR_TABLE}"').fetchone()[0]
    with contextlib.closing(sqlite3.connect(f"file:{appliance.conf['VAR_DIR']}/centralina.db?mode=ro", uri=True,
                                            timeout=5)) as app:
        copied = app.execute("SELECT uniqueid, sequence FROM call_records").fetchall()
        # The CDR copier's own cursor: queue_log, pricing and webhooks keep theirs in the same table.
        cursor = app.execute("SELECT position FROM ingest_cursors WHERE source = ?",
                             (cdr.source_key(engine),)).fetchone()
    def pairs(rows):
        return sorted((uniqueid, int(sequence)) for uniqueid, sequence in rows)
    return pairs(written), pairs(copied), last, cursor[0] if cursor else None


def test_the_daemon_killed_with_9_restarts_and_no_call_record_is_lost_or_doubled(appliance, sipp, phones):
    assert sipp.call("201", phones["201"], "*43", hold_seconds=0.2).ok
    assert wait_for(lambda: len(_records(appliance)[1]) >= 1), "the daemon never copied the first record"
    killed = appliance.pid("daemon")

    os.kill(killed, signal.SIGKILL)
    for _ in range(3):  # calls that end while the daemon is dead or starting again
        assert sipp.call("202", phones["202"], "*43", hold_seconds=0.2).ok

    status = appliance.wait_running("daemon", restarts=1)
    assert status.pid != killed

    def caught_up():
        written, copied, last, cursor = _records(appliance)
        return cursor == last and len(copied) >= len(written)
    assert wait_for(caught_up, timeout=30), _records(appliance)
    written, copied, _, _ = _records(appliance)
    assert len(written) >= 4
    assert copied == written  # every record once: none lost, none doubled


def test_a_process_that_keeps_dying_at_start_is_given_up_and_the_rest_keeps_serving(tmp_path):
    if os.geteuid() != 0 or not os.access(SIPP, os.X_OK):
        pytest.skip("root and sipp required")
    held, phones = [], {}

    def prepare(conf):
        phones["201"] = extension_with_password("201", "Alice")[1]
        # Another daemon (as far as the real one can tell) holds the installation's lock:
        # each daemon started exits at once, as a broken one would.
        handle = open(os.path.join(conf["VAR_DIR"], "daemon.lock"), "a+")
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        held.append(handle)

    try:
        with running_appliance(prepare, wait=("asterisk", "web", "provisioning")) as appliance:
            failed = wait_for(lambda: appliance.status("daemon").state == "failed", timeout=90)
            output = appliance.output()
            assert failed, output[-3000:]
            assert "daemon exited with status 1, again right after starting, 5 times: giving up on it" in output
            assert appliance.status("daemon").restarts == 4
            assert appliance.proc.poll() is None  # the supervisor still runs the rest
            for name in ("asterisk", "web", "provisioning"):
                assert appliance.status(name).state == "running"
            sipp = Sipp(appliance.conf["SIP_PORT"], workdir=tmp_path)
            assert sipp.call("201", phones["201"], "*43", hold_seconds=0.2).ok  # calls still go through
    finally:
        for handle in held:
            handle.close()


def _bot_answers(appliance, bot_id):
    """Call the bot's AudioSocket port as Asterisk would and say "I need support": return what proves it answered
    (it spoke, hung up, and left intent 1 in AstDB for the dialplan), or why not."""
    address = appliance.conf["VOICEBOT_ADDRESS"]
    host, port = address.rsplit(":", 1)
    assert wait_for(lambda: _listening(host, int(port))), appliance.output()[-3000:]
    call = conversation_uuid(bot_id)
    audio, hung_up = converse(address, call, spoken("I need support"))
    loudest = int(numpy.abs(numpy.frombuffer(audio, dtype="<i2")).max()) if audio else 0
    result = appliance.engine.cli(f"database get cn-bot {call}-result").strip()
    return {"spoke": loudest > 1000, "hung_up": hung_up, "result": result}


def test_the_voicebot_killed_with_9_restarts_and_answers_again(appliance, phones):
    expected = {"spoke": True, "hung_up": True, "result": "Value: 1"}
    killed = appliance.wait_running("voicebot").pid
    answered = _bot_answers(appliance, phones["bot"])
    assert answered == expected, (answered, appliance.output()[-3000:])
    others = {name: appliance.status(name).restarts for name in ("asterisk", "web", "provisioning", "daemon")}

    os.kill(killed, signal.SIGKILL)

    status = appliance.wait_running("voicebot", restarts=1)
    assert status.pid != killed and status.last_signal == "SIGKILL"
    answered = _bot_answers(appliance, phones["bot"])
    assert answered == expected, (answered, appliance.output()[-3000:])
    assert "voicebot killed by SIGKILL; restarting it" in appliance.output()
    assert {name: appliance.status(name).restarts for name in others} == others  # the others never stopped
