"""bench/webhooks.py runs and counts: a short, slow run delivers every event, signed, none lost."""
from bench import webhooks as bench


def test_the_fan_out_bench_delivers_every_event():
    figures = bench.run(rate=40, seconds=0.5, endpoint_count=2, drain_timeout=30)
    assert figures["expected"] == 40 and figures["delivered"] == 40
    assert figures["lost"] == 0 and figures["bad_signatures"] == 0
