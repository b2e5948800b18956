"""Interleaved A/B rounds for the call set-up benches, measured two ways.

A round runs each side once, the order flipping every round (A B, B A, A B, ...), so drift,
warm caches and whatever else the machine does hit both sides alike. Each side's run is
measured as

- calls per second at saturation (successful calls / wall time): what the goal names, but on
  two shared cores it swings +/- 10 % between rounds;
- Asterisk's CPU time per successful call (utime + stime of the engine process, all threads,
  from /proc, read with the engine idle before and after the side's calls: ``settle``): the work
  the dialplan costs, which load on the other core barely moves. Offered below saturation
  (``--rate 80``) this is the figure to read: calls/s is then the offered rate on both sides.

Both ratios (generated/bare for the rate, bare/generated for the CPU, so that 1.0 means "as
cheap as bare" and higher is better for either) are reported per round with their median, the
median's bootstrap 95 % interval and the spread. ``runs`` repeats the whole series so that the
medians' stability is shown, not assumed.
"""
import os
import random
import statistics
import time
from dataclasses import dataclass, field

_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """Return the CPU time (user + system, all threads) process ``pid`` has used so far."""
    with open(f"/proc/{pid}/stat") as handle:
        # The command name may hold spaces: the fields we need come after its closing parenthesis.
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def settle(pid, window=0.25, limit=30.0):
    """Wait until process ``pid`` is idle (at most one clock tick used in ``window`` seconds); return its CPU.

    A side's calls leave work behind when the SIPp that placed them exits: the last BYEs, the CDR
    aggregator's queue, channel destruction. Read at once, that work was charged to whichever side ran
    next, and a round's ratio swung with it. Bounded by ``limit`` seconds: a busy engine still reports.
    """
    deadline = time.monotonic() + limit
    used = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(window)
        now = cpu_seconds(pid)
        if now - used <= 1 / _TICKS:
            return now
        used = now
    return used


@dataclass
class Side:
    """One side of the comparison: ``run()`` places the round's calls and returns the SippResult."""

    name: str
    label: str
    run: object


@dataclass
class Series:
    """Every round's figures of one side."""

    rates: list = field(default_factory=list)
    cpu_ms: list = field(default_factory=list)
    failed: int = 0


def warm_up(bare, generated, rounds):
    """Run ``rounds`` unmeasured rounds of both sides.

    A fresh Asterisk's allocator grows over its first ~7,000 calls (RSS 650 MB -> 1.2 GB, then flat) and
    its CPU per call rises with it (4.9 -> 6.2 ms, bare, first to fourth round of 900): measured rounds
    taken during that growth swing with it, whichever side they measure.
    """
    for _ in range(rounds):
        bare.run()
        generated.run()


def interleave(bare, generated, rounds, calls, pid):
    """Run ``rounds`` rounds of both sides, order flipping each round; return {name: Series}."""
    series = {bare.name: Series(), generated.name: Series()}
    # One side's idle reading after its calls is the next side's before: nothing runs between them.
    before = settle(pid)
    for round_number in range(rounds):
        order = (bare, generated) if round_number % 2 == 0 else (generated, bare)
        for side in order:
            result = side.run()
            after = settle(pid)
            used, before = after - before, after
            ok = int(result.stats.get("SuccessfulCall(C)", 0))
            figures = series[side.name]
            figures.failed += calls - ok
            figures.rates.append(ok / result.stats["wall_seconds"])
            figures.cpu_ms.append(1000 * used / max(ok, 1))
    return series


def _ratio(numerator, denominator):
    # A round where one side answered nothing (the failed calls column says so) still prints: 0.
    return numerator / denominator if denominator else 0.0


def _spread(values):
    return f"{min(values):.3f}-{max(values):.3f}"


def median_interval(values, resamples=2000, seed=0):
    """Return the (2.5 %, 97.5 %) bootstrap interval of the median of ``values``.

    A round's ratio swings +/- 15 % on this 2-core VM even when both sides run the same dialplan (an
    A/A control, decision 053): the interval says whether a median tells 0.95 apart from 1.0 at all.
    Seeded, so the same rounds print the same interval.
    """
    draw = random.Random(seed)
    medians = sorted(statistics.median(draw.choices(values, k=len(values))) for _ in range(resamples))
    return medians[int(0.025 * resamples)], medians[int(0.975 * resamples) - 1]


def _interval(values):
    low, high = median_interval(values)
    return f"{low:.3f}-{high:.3f}"


def report(title, bare, generated, runs):
    """Print the table and the per-round ratios of each run in ``runs`` (lists of {name: Series})."""
    print(f"\n{title}")
    print("| run | dialplan | calls/s (median) | Asterisk CPU ms/call (median) | failed calls |")
    print("|---|---|---|---|---|")
    for number, series in enumerate(runs, 1):
        for side in (bare, generated):
            figures = series[side.name]
            print(f"| {number} | {side.label} | {statistics.median(figures.rates):.1f} | "
                  f"{statistics.median(figures.cpu_ms):.2f} | {figures.failed} |")
    medians = []
    for number, series in enumerate(runs, 1):
        b, g = series[bare.name], series[generated.name]
        rate = [_ratio(x, y) for x, y in zip(g.rates, b.rates, strict=True)]
        cpu = [_ratio(y, x) for x, y in zip(g.cpu_ms, b.cpu_ms, strict=True)]
        medians.append((statistics.median(rate), statistics.median(cpu)))
        print(f"\nrun {number}, ratio generated/bare per round (calls/s): {', '.join(f'{r:.3f}' for r in rate)}")
        print(f"  median {medians[-1][0]:.3f}, 95 % interval {_interval(rate)}, spread {_spread(rate)}")
        print(f"run {number}, ratio bare/generated per round (Asterisk CPU per call): "
              f"{', '.join(f'{r:.3f}' for r in cpu)}")
        print(f"  median {medians[-1][1]:.3f}, 95 % interval {_interval(cpu)}, spread {_spread(cpu)}")
    if len(medians) > 1:
        rates, cpus = [m[0] for m in medians], [m[1] for m in medians]
        print(f"\nmedians between runs: calls/s {_spread(rates)} (differ by {max(rates) - min(rates):.3f}), "
              f"CPU per call {_spread(cpus)} (differ by {max(cpus) - min(cpus):.3f}); stable means <= 0.02 apart")
    print("goal: ratio >= 0.95, 0 failed calls")
