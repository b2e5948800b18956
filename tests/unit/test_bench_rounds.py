"""The call set-up benches' round arithmetic (bench/rounds.py)."""
from bench import rounds


def test_the_median_interval_holds_the_median_and_widens_with_the_rounds_spread():
    steady = [0.95, 0.96, 0.95, 0.96, 0.95, 0.96, 0.95, 0.96]
    noisy = [0.75, 1.15, 0.80, 1.10, 0.95, 0.96, 0.85, 1.20]

    low, high = rounds.median_interval(steady)
    noisy_low, noisy_high = rounds.median_interval(noisy)

    assert low <= 0.955 <= high and high - low < 0.02
    assert noisy_low < 0.90 and noisy_high > 1.0
    assert rounds.median_interval(noisy) == (noisy_low, noisy_high)  # seeded: the same rounds print the same


def test_a_round_where_one_side_answered_nothing_still_reports(capsys):
    series = rounds.Series(rates=[100.0, 0.0], cpu_ms=[5.0, 5.0], failed=900)
    other = rounds.Series(rates=[100.0, 100.0], cpu_ms=[5.0, 5.0])
    bare, generated = rounds.Side("bare", "bare", None), rounds.Side("generated", "generated", None)

    rounds.report("t", bare, generated, [{"bare": other, "generated": series}])

    assert "ratio generated/bare per round (calls/s): 1.000, 0.000" in capsys.readouterr().out
