"""Asterisk CPU (and wall time) of single dialplan steps the generated call path uses, one at a time.

A Local channel runs each step ``--repeat`` times in a dialplan loop on a real Asterisk driven by an app
database of ``--extensions`` extensions, with one AMI session connected as the daemon's would be; the
Asterisk process's CPU time before and after gives each step's cost over an empty loop. CPU time, not
wall time, is the figure: it holds on a loaded machine. The wall column shows what a step waits for
(func_realtime puts the channel in autoservice, and ``ast_autoservice_stop`` sleeps 1 ms).

    .venv/bin/python -m bench.dialplan_steps [--extensions 1000] [--repeat 3000]

It answers "what does one more step in the internal call path cost" (issue 11's call set-up ratio).
"""
import argparse
import os
import statistics
import time

from appliance.asterisk import extension_cache
from appliance.asterisk.ami import Ami, AmiSettings
from appliance.asterisk.names import EXTENSION_CACHE_FAMILY, EXTENSION_CACHE_FIELDS
from bench.common import pbx
from tests.waiting import wait_for

#: Each step as the generated dialplan writes it, against extension 2001 of the bench's database.
STEPS = {
    "empty loop": "NoOp()",
    "REALTIME_HASH (the extension's row)": "Set(HASH(cn)=${REALTIME_HASH(cn_extensions,id,2001)})",
    "REALTIME_FIELD (one column)": "Set(x=${REALTIME_FIELD(cn_extensions,id,2001,dial)})",
    "HASH of the row's 10 columns, no lookup": "Set(HASH(cn)=${row})",
    # The cached row (decision 047): two steps, the field names then the AstDB value into the hash.
    "~ODBCFIELDS~ (the cached row's field names)": "Set(~ODBCFIELDS~=" + ",".join(EXTENSION_CACHE_FIELDS) + ")",
    "DB of the cached row into HASH": "Set(HASH(cn)=${DB(" + EXTENSION_CACHE_FAMILY + "/2001)})",
    "DB (one AstDB key)": "Set(x=${DB(CN/2001/dnd)})",
    # Before decision 054 the call path read the toggles so; a LIKE over every AstDB row (main/db.c).
    "DB_KEYS (the toggles, before decision 054)": "Set(x=${DB_KEYS(CN/2001)})",
    "the three toggles read before the Dial, one key each": "Set(x=${DB(CN/2001/fwd_always)}${DB(CN/2001/dnd)}"
                                                            "${DB(CN/2001/block_in)})",
    "GROUP_COUNT": "Set(x=${GROUP_COUNT(2001@cn-calls)})",
    "the toggles' GotoIf expression": 'Set(x=$["${y}" = "" | "${z}" != "" | 3 >= 0500])',
}


def _cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _loops(repeat):
    """The bench context: one extension per step, looping ``repeat`` times, then marking itself done."""
    text = "\n[bench-steps]\n"
    for number, step in enumerate(STEPS.values()):
        text += (f"exten => {number},1,Set(row=${{REALTIME_HASH(cn_extensions,id,2001)}})\n"
                 f" same => n,Set(i=0)\n same => n(top),{step}\n same => n,Set(i=$[${{i}}+1])\n"
                 f" same => n,GotoIf($[${{i}} < {repeat}]?top)\n"
                 f" same => n,Set(DB(BENCHSTEPS/{number})=done)\n same => n,Hangup()\n")
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extensions", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3000)
    args = parser.parse_args()
    with pbx(args.extensions) as (engine, _workdir):
        etc = engine.host_path(engine.instance_dir / "etc" / "extensions.conf")
        engine.write_file("extensions.conf", etc.read_text() + _loops(args.repeat))
        engine.cli("dialplan reload")
        # A bench database starts Asterisk with an empty cache: filled as the daemon fills it (every
        # extension's row in AstDB), since what an AstDB read costs may grow with the rows there.
        cached = extension_cache.keep(engine, check_filled=True)
        if not engine.cli(f"database get {EXTENSION_CACHE_FAMILY} 2001").startswith("Value: PJSIP/"):
            raise SystemExit("extension 2001 is not in the row cache")
        manager = engine.host_path(engine.instance_dir / "etc" / "manager.conf").read_text()
        print(f"dialplan steps, {args.extensions} extensions ({cached} rows in the AstDB cache), "
              f"each run {args.repeat} times")
        print("| step | Asterisk CPU per step, us: as generated | with every AMI event on | "
              "wall per step, us: as generated |")
        print("|---|---|---|---|")
        generated = _measure(engine, args.repeat)
        # The same steps with the events manager.conf disables generated again (decision 040).
        # An empty value, not a missing line: a reload keeps the old list when the option is absent.
        engine.write_file("manager.conf", "".join("disabledevents =\n" if line.startswith("disabledevents") else line
                                                  for line in manager.splitlines(keepends=True)))
        engine.cli("manager reload")
        if "VarSet" in engine.cli("manager show settings"):
            raise SystemExit("the events are still disabled after the reload")
        all_events = _measure(engine, args.repeat)
        for name, (cpu, wall), (cpu_all, _) in zip(STEPS, generated, all_events, strict=True):
            print(f"| {name} | {cpu:.0f} | {cpu_all:.0f} | {wall:.0f} |")
        print(f"load average {os.getloadavg()[0]:.1f}; each figure over the empty loop's, "
              "which is itself given per pass (3 steps, one variable set)")


def _measure(engine, repeat):
    """Run every step's loop three times; return the medians [(CPU us, wall us) per step], each over the
    empty loop's except the empty loop's own."""
    runs = [_run_steps(engine, repeat) for _ in range(3)]
    figures = [tuple(statistics.median(run[i][k] for run in runs) for k in (0, 1)) for i in range(len(STEPS))]
    empty = figures[0]
    return [empty] + [(cpu - empty[0], wall - empty[1]) for cpu, wall in figures[1:]]


def _run_steps(engine, repeat):
    """One pass over every step: [(CPU us, wall us) per pass of its loop]."""
    figures = []
    # One session held open, as the daemon's always is: Asterisk 22 wakes every session per event.
    with Ami(AmiSettings.for_calls(engine.settings)) as ami:
        for number, name in enumerate(STEPS):
            engine.cli(f"database del BENCHSTEPS {number}")
            cpu, started = _cpu_seconds(engine.pid), time.perf_counter()
            ami.originate_application(f"Local/{number}@bench-steps", "Wait", "0")
            if not wait_for(lambda number=number: "done" in engine.cli(f"database get BENCHSTEPS {number}"),
                            timeout=60 + repeat / 50, step=0.05):
                raise SystemExit(f"step {name!r} did not finish: {engine.log_tail()}")
            figures.append(((_cpu_seconds(engine.pid) - cpu) / repeat * 1e6,
                            (time.perf_counter() - started) / repeat * 1e6))
    return figures

if __name__ == "__main__":
    main()
