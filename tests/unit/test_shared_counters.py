"""Shared request counters: one budget per key across processes, windows that restart, a full table that says so."""
import multiprocessing

from appliance.shared_counters import SharedWindowCounter


def _spend(path, key, times, now, results):
    counter = SharedWindowCounter(path)
    results.extend([counter.hit(key, 100, 60, now=now) for _ in range(times)])
    counter.close()


def test_processes_share_one_budget(tmp_path):
    path = tmp_path / "counters"
    with multiprocessing.Manager() as manager:
        results = manager.list()
        workers = [multiprocessing.Process(target=_spend, args=(path, 7, 60, 1_000_020, results)) for _ in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        waits = list(results)
    assert len(waits) == 180
    assert waits.count(0.0) == 100  # 180 uses against a budget of 100, whoever counted them
    assert all(wait == 60.0 for wait in waits if wait)  # the window opened at the first use, a minute long


def test_a_new_window_starts_the_count_again_and_keys_are_apart(tmp_path):
    counter = SharedWindowCounter(tmp_path / "counters")
    assert [counter.hit(1, 2, 60, now=120) for _ in range(3)] == [0.0, 0.0, 60.0]
    assert counter.hit(2, 2, 60, now=150) == 0.0  # another token has its own budget
    assert counter.hit(1, 2, 60, now=170) == 10.0  # the window opened at 120 lasts until 180
    assert counter.hit(1, 2, 60, now=180) == 0.0  # a new one


def test_a_full_table_answers_none_so_the_caller_counts_elsewhere(tmp_path):
    counter = SharedWindowCounter(tmp_path / "counters", slots=4)
    assert all(counter.hit(key, 5, 60, now=60) == 0.0 for key in (1, 2, 3, 4))
    assert counter.hit(5, 5, 60, now=60) is None
    assert counter.hit(5, 5, 60, now=120) == 0.0  # the ended windows' slots are free again
    assert (tmp_path / "counters").stat().st_mode & 0o777 == 0o600
