"""The supervisor's restart rule and what it publishes, without processes."""
import signal

from appliance import process_users, supervision


def test_restarts_wait_longer_after_each_quick_death_and_give_up_at_the_fifth():
    restarts = supervision.Restarts(first_delay=0.5, max_delay=30.0, stable_after=30.0, give_up_after=5)
    now, waits = 0.0, []
    restarts.started(now)
    while (delay := restarts.died(now + 1)) is not None:
        waits.append(delay)
        now += 1 + delay
        restarts.started(now)
    assert waits == [0.5, 1.0, 2.0, 4.0]
    assert restarts.count == 4


def test_a_process_that_stayed_up_a_while_starts_the_delays_over():
    restarts = supervision.Restarts(first_delay=0.5, stable_after=30.0, give_up_after=3)
    restarts.started(0.0)
    assert restarts.died(1.0) == 0.5
    restarts.started(2.0)
    assert restarts.died(3.0) == 1.0
    restarts.started(4.0)
    assert restarts.died(100.0) == 0.5  # up 96 s: recovered, so not the third quick death
    restarts.started(101.0)
    assert restarts.died(102.0) == 1.0


def test_delays_stop_growing_at_the_maximum():
    restarts = supervision.Restarts(first_delay=1.0, max_delay=4.0, give_up_after=10)
    delays = []
    for n in range(6):
        restarts.started(n * 10.0)
        delays.append(restarts.died(n * 10.0 + 1))
    assert delays == [1.0, 2.0, 4.0, 4.0, 4.0, 4.0]


def test_exits_are_described_by_signal_or_status():
    assert supervision.describe_exit(-signal.SIGKILL) == "killed by SIGKILL"
    assert supervision.describe_exit(3) == "exited with status 3"
    status = supervision.ProcessStatus("daemon", last_exit_code=-9)
    assert status.last_signal == "SIGKILL"


def test_the_published_status_round_trips_and_goes_stale(tmp_path):
    supervision.publish(tmp_path, [supervision.ProcessStatus("web", restarts=2, last_exit_code=1, last_exit_at=1.0)])
    read = supervision.read(tmp_path)
    assert not read.stale
    assert read.processes == [supervision.ProcessStatus("web", restarts=2, last_exit_code=1, last_exit_at=1.0)]
    assert supervision.read(tmp_path / "elsewhere").stale


def test_children_drop_to_their_user_with_only_their_capabilities():
    user = process_users.ProcessUser("centralina", 990, 990, "/nonexistent", (990, 101))
    web = process_users.as_user(["gunicorn"], user)
    daemon = process_users.as_user(["centralina", "daemon"], user, ("net_admin",))
    assert web == ["setpriv", "--reuid=990", "--regid=990", "--groups=990,101", "--inh-caps=-all",
                   "--bounding-set=-all", "--no-new-privs", "--", "gunicorn"]
    assert "--ambient-caps=+net_admin" in daemon and "--bounding-set=-all,+net_admin" in daemon
