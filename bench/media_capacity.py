"""Concurrent calls with RTP both ways: the generated dialplan against a bare one, on the same Asterisk, same run.

For each N (``--step`` up to ``--max-calls``) SIPp places N calls (at ``--rate`` per second) to SIPp
phones that answer PCMU and echo every RTP packet back to where it came from (``-rtp_echo``); each
caller plays a pcap of PCMU (50 packets/s) from SIPp's media port for the whole call, so with all N
calls up Asterisk relays 2 x 50 x N packets a second. The calls are split between ``--pairs`` caller/
callee SIPp pairs (callee extensions 2001, 2002, ...): a SIPp echoes in one thread through one socket
whose buffer (the kernel's default, SIPp sets none for media) is the first thing to overflow. The
generated caller's device lives in ``internal`` (the realtime row, toggles and call limit of decision
007), the bare one in a context that holds only ``_X.,1,Dial(PJSIP/${EXTEN},30)``; both call the same
extensions. The two dialplans take turns at each level (order flipping per level), and a dialplan's
sweep ends at its first level with a failed call, 1 % loss or more by the PBX, Asterisk at >= 95 % of
its core, or the load generator dropping 1 % or more in its own sockets (its limit, not Asterisk's).

RTP loss, counted by packets (no sequence-number guesses):

- sent: the callers' SIPp's own counter of pcap packets sent ("Total RTP pckts sent", -trace_screen);
- forward (caller -> Asterisk -> callee): the callee SIPp's echo counter ("Total echo RTP pckts");
- round trip (caller -> Asterisk -> callee's echo -> Asterisk -> caller): the caller's SDP offers a
  socket of this process (SIPp plays from its own media port; the callers' endpoints have
  rtp_symmetric=no so Asterisk sends to the SDP's port), which counts what arrives. Direct media has
  no such path (the callee echoes straight to the caller's SIPp port): forward loss only.
- Asterisk's strict RTP learning drops the first 4 packets of each caller's stream in relay mode (the
  source is not the SDP's port; media_sweep.LEARNING_PACKETS): both losses discount exactly those.
- the kernel's per-socket drop counters (/proc/net/udp) say whose receive buffer overflowed: Asterisk's
  RTP sockets (read at the end of the hold, before they close) or the load generator's (the callee
  SIPps' echo sockets, the counting socket: read until they close). "Loss by the PBX" is the worst
  path's loss less the load generator's own drops.

Asterisk's CPU: utime + stime of the process (all threads, /proc/<pid>/stat, 10 ms ticks) over
``--hold-seconds`` while all N calls are up; Asterisk is pinned to CPU 0, SIPp and this process to CPU 1;
the daemon's AMI session is connected, as in production.

``--modes relay direct``: direct_media=no (as generated: Asterisk relays RTP) and direct_media=yes on
the bench's endpoints (Asterisk re-INVITEs both SIPps to send to each other: the re-INVITEs each side
answered are counted from SIPp's screens). The bridges' technology is native_rtp in both modes
(Asterisk 22 relays RTP inside res_rtp_asterisk when direct media is off too), so it proves nothing;
the re-INVITEs and Asterisk's CPU tell the modes apart.

    .venv/bin/python -m bench.media_capacity [--max-calls 400] [--step 50] [--hold-seconds 4] [--rate 80]
        [--pairs 4] [--modes relay direct]
"""
import argparse
import os
import string
import subprocess
import time
from pathlib import Path

from appliance.asterisk import realtime
from appliance.asterisk.ami import Ami, AmiSettings
from appliance.models.extensions import Device
from appliance.services import Actor, extensions
from bench import media_probes, media_sweep
from bench.call_setup import _add_bare_caller
from bench.common import pbx
from bench.rounds import cpu_seconds
from tests.engine.sipp import LOOPBACK, Sipp, SippProcess, free_port, free_rtp_range

SCENARIOS = Path(__file__).parent / "scenarios"
BARE_USER, BARE_PASSWORD = "barecaller", "bare-caller-secret-1"
ASTERISK_SOCKETS = "Asterisk RTP sockets"
#: Seconds after the last call is up before the CPU window opens, and after it closes before the first BYE.
SETTLE, TAIL = 1.0, 2.0
#: How long the scenarios wait for a direct-media re-INVITE before they play anyway (at load 10 the callees
#: answered 293 of 300 within 2 s).
REINVITE_WAIT_MS = 5000

_REINVITE = """  <recv request="INVITE" timeout="${wait_ms}" ontimeout="media"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687638 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
]]></send>
  <recv request="ACK"/>
  <label id="media"/>"""


def callees(args):
    """Return the callee extensions' numbers: one per SIPp pair, after the generated caller 2000."""
    return [str(2001 + i) for i in range(args.pairs)]


class Bench:
    """One Asterisk, the bench's endpoints (two callers, a callee per SIPp pair), and the SIPp runs of each level."""

    def __init__(self, engine, workdir, args):
        self.engine, self.workdir, self.args = engine, workdir, args
        self.sipp = Sipp(engine.settings.sip_port, workdir=workdir / "sipp", timeout=60)
        self._runs = 0
        self._pcaps = {}
        self.callees = [(number, Device.get(Device.sip_username == number).sip_password) for number in callees(args)]
        self.sides = {
            "bare": ("bare `_X.,1,Dial(PJSIP/${EXTEN},30)`", BARE_USER, BARE_PASSWORD),
            "generated": ("generated (`internal`)", "2000", Device.get(Device.sip_username == "2000").sip_password),
        }

    def set_rows(self, direct_media):
        """Set the bench's endpoint rows: direct media on or off, callers without symmetric RTP (so that
        Asterisk sends to the SDP's counting socket), a call limit above any N for the callees."""
        path = self.engine.host_path(self.engine.settings.realtime_db)
        numbers = [number for number, _ in self.callees]
        with realtime.connect(path) as conn:
            users = ("2000", BARE_USER, *numbers)
            conn.execute(f"UPDATE ps_endpoints SET direct_media = ? WHERE id IN ({', '.join('?' * len(users))})",
                         ["yes" if direct_media else "no", *users])
            conn.execute("UPDATE ps_endpoints SET rtp_symmetric = 'no' WHERE id IN (?, ?)", ("2000", BARE_USER))
            conn.executemany("UPDATE cn_extensions SET max_calls = ? WHERE id = ?",
                             [(100_000, number) for number in numbers])

    def _scenario(self, name, **values):
        self._runs += 1
        path = self.sipp.workdir / f"{self._runs:03d}-{name}"
        path.write_text(string.Template((SCENARIOS / name).read_text()).substitute(values))
        return path

    def _pcap(self, seconds):
        if seconds not in self._pcaps:
            path = self.workdir / f"pcmu-{seconds:.1f}s.pcap"
            self._pcaps[seconds] = (path, media_sweep.write_pcap(path, seconds))
        return self._pcaps[seconds]

    def _reinvite(self, direct):
        return string.Template(_REINVITE).substitute(wait_ms=REINVITE_WAIT_MS) if direct else ""

    def _start_uas(self, number, password, calls, direct, timeout):
        scenario = self._scenario("media_uas.xml", reinvite=self._reinvite(direct))
        for _ in range(3):
            port = free_port()
            registered = self.sipp.register(number, password, port=port)
            if not registered.ok:
                continue
            cmd, run_dir = self.sipp._command(scenario, port=port, calls=calls, timeout=timeout,
                                              extra=["-aa", "-rtp_echo", "-trace_screen"])
            cmd.remove("-trace_msg")
            media_port = int(cmd[cmd.index("-mp") + 1])
            process = SippProcess(cmd, run_dir, timeout, on_exit=lambda port=port: self.sipp.register(
                number, password, port=port, expires=0))
            if process.wait_listening(LOOPBACK, [port, media_port]):
                return process, run_dir, media_port
            process.__exit__(None, None, None)
        raise RuntimeError(f"the called SIPp did not start: {registered}")

    def _start_uac(self, side, number, calls, rate, scenario, timeout):
        _, user, password = self.sides[side]
        cmd, run_dir = self.sipp._command(scenario, port=free_port(), service=number, auth=(user, password),
                                          keys={"from_user": user}, calls=calls, timeout=timeout,
                                          extra=["-r", f"{rate:.3f}", "-l", str(calls), "-trace_screen"])
        cmd.remove("-trace_msg")
        return SippProcess(cmd, run_dir, timeout), run_dir

    def step(self, side, calls, direct):
        """Hold ``calls`` calls of ``side`` ("bare"/"generated") with RTP both ways; return a media_sweep.Step.

        The calls are split between ``--pairs`` caller/callee SIPp pairs (one callee extension each): one
        SIPp's single echo thread and socket buffer would be the first thing to drop packets.
        """
        args = self.args
        ramp = calls / args.rate
        media_seconds = round(ramp + SETTLE + args.hold_seconds + TAIL, 1)
        pcap, _packets = self._pcap(media_seconds)
        timeout = int(ramp + media_seconds + 60)
        counter = None if direct else media_probes.Counter()
        pairs = list(zip(self.callees, media_sweep.split(calls, len(self.callees)), strict=False))
        callees_run, callers_run = [], []
        try:
            for (number, password), share in pairs:
                callees_run.append(self._start_uas(number, password, share, direct, timeout))
            # A scenario file per caller SIPp: its run folder (stats, screen dumps) is named after it.
            scenarios = [self._scenario("media_uac.xml", sdp_port=counter.port if counter else "[media_port]",
                                        reinvite=self._reinvite(direct), pcap=pcap,
                                        hold_ms=int(media_seconds * 1000) + 2000) for _ in pairs]
            asterisk_ports = range(self.engine.settings.rtp_start, self.engine.settings.rtp_end + 1)
            asterisk_before = media_probes.udp_drops(asterisk_ports)
            started = time.monotonic()
            for ((number, _), share), scenario in zip(pairs, scenarios, strict=True):
                callers_run.append(self._start_uac(side, number, share, args.rate * share / calls, scenario, timeout))
            time.sleep(max(0.0, started + ramp + SETTLE - time.monotonic()))
            cpu_before, wall_before = cpu_seconds(self.engine.pid), time.monotonic()
            time.sleep(args.hold_seconds)
            cpu = cpu_seconds(self.engine.pid) - cpu_before
            wall = time.monotonic() - wall_before
            load = os.getloadavg()[0]
            bridges = media_probes.bridge_technologies(self.engine)
            # Asterisk's call sockets close at hang-up (and their counters with them): read before the BYEs.
            asterisk_dropped = media_probes.udp_drops(asterisk_ports) - asterisk_before
            echo_drops = media_probes.DropWatch({media_port for _, _, media_port in callees_run})
            uacs, uass = [uac for uac, _ in callers_run], [uas for uas, _, _ in callees_run]
            # The callee SIPps end by themselves after their calls; one that missed calls is stopped below.
            media_probes.dump_until_exit(uacs + uass, uacs, timeout, echo_drops)
            media_probes.dump_until_exit(uass, uass, 5, echo_drops)
            results = [uac.wait() for uac in uacs]
            client_drops = echo_drops.total + (media_probes.udp_drops({counter.port}) if counter else 0)
            caller = [media_sweep.parse_screen(media_probes.dumps(run_dir)) for _, run_dir in callers_run]
            callee = [media_sweep.parse_screen(media_probes.dumps(run_dir)) for _, run_dir, _ in callees_run]
        finally:
            for uac, _ in callers_run:
                uac.__exit__(None, None, None)
            for uas, _, _ in callees_run:
                uas.__exit__(None, None, None)
            if counter:
                counter.close()
        reinvites = None
        if direct:
            # A caller's screen lists one received INVITE (the re-INVITE), a callee's two.
            reinvites = (sum(c["invites_received"][-1] for c in caller if len(c["invites_received"]) == 1),
                         sum(c["invites_received"][-1] for c in callee if len(c["invites_received"]) == 2))
        ok = sum(int(result.stats.get("SuccessfulCall(C)", 0) or 0) for result in results)
        return media_sweep.Step(calls=calls, failed=calls - ok, sent=sum(c.get("pcap_sent", 0) for c in caller),
                                echoed=sum(c.get("echoed", 0) for c in callee), reinvites=reinvites,
                                returned=counter.packets if counter else None, cpu_seconds=cpu, wall_seconds=wall,
                                load=load, bridges=bridges, dropped={ASTERISK_SOCKETS: asterisk_dropped},
                                client_drops=client_drops, learning=0 if direct else media_sweep.LEARNING_PACKETS)


def _percent(value):
    return "-" if value is None else f"{100 * value:.2f} %"


def _row(mode, label, step):
    bridges = ", ".join(f"{count} {name}" for name, count in sorted((step.bridges or {}).items())) or "none"
    if step.reinvites is not None:
        bridges += f"; re-INVITEs answered {step.reinvites[0]} caller / {step.reinvites[1]} callee"
    dropped = f"Asterisk {(step.dropped or {}).get(ASTERISK_SOCKETS, 0)}, load generator {step.client_drops}"
    return (f"| {mode} | {label} | {step.calls} | {step.failed} | {step.sent} | {_percent(step.loss_forward)} | "
            f"{_percent(step.loss_round_trip)} | {_percent(step.loss_by_pbx)} | {100 * step.cpu_share:.1f} % | "
            f"{step.cpu_ms_per_call:.3f} | {bridges} | {dropped} | {step.load:.1f} |")


def sweep(bench, mode):
    """Run every level of ``mode`` ("relay"/"direct") for both dialplans, interleaved; return {side: [Step]}."""
    args = bench.args
    direct = mode == "direct"
    bench.set_rows(direct)
    results = {"bare": [], "generated": []}
    stopped = set()
    for number, calls in enumerate(media_sweep.levels(args.step, args.max_calls, args.first)):
        order = ("bare", "generated") if number % 2 == 0 else ("generated", "bare")
        for side in order:
            if side in stopped:
                continue
            step = bench.step(side, calls, direct)
            results[side].append(step)
            print(_row(mode, bench.sides[side][0], step), flush=True)
            if media_sweep.should_stop(step):
                stopped.add(side)
        if len(stopped) == 2:
            break
    return results


def summary(mode, bench, results):
    """Print the verdict of one mode: largest good N per dialplan, their ratio, CPU per call."""
    print(f"\n{mode}:")
    largest, limited = {}, {}
    for side, steps in results.items():
        largest[side], limited[side] = media_sweep.largest_good(steps)
        at_best = next((s for s in steps if s.calls == largest[side]), None)
        cpu = f"{at_best.cpu_ms_per_call:.3f} ms CPU per call-second ({100 * at_best.cpu_share:.0f} % of a core)" \
            if at_best else "-"
        reason = limited[side] if limited[side] != media_sweep.NONE else f"no limit up to {bench.args.max_calls}"
        print(f"  {bench.sides[side][0]}: largest N with 0 failed and < 1 % loss = {largest[side]} ({reason}); "
              f"at it {cpu}")
    value = media_sweep.ratio(largest["generated"], largest["bare"])
    if set(limited.values()) != {media_sweep.LIMIT}:
        # A sweep that ended on the load generator's limit (or none) only gives a lower bound.
        bounds = ", ".join(f"{side} {reason}" for side, reason in limited.items() if reason != media_sweep.LIMIT)
        print(f"  ratio generated/bare of that N: not measured ({bounds}: a lower bound, not a capacity)")
    else:
        print(f"  ratio generated/bare of that N: {'-' if value is None else f'{value:.3f}'} (goal >= 0.95)")
    common = sorted({s.calls for s in results["bare"]} & {s.calls for s in results["generated"]})
    if common:
        n = common[-1]
        bare, generated = (next(s for s in results[side] if s.calls == n) for side in ("bare", "generated"))
        if generated.cpu_seconds:
            print(f"  Asterisk CPU bare/generated at N={n}: {bare.cpu_seconds / generated.cpu_seconds:.3f} "
                  f"(1.0 = the generated dialplan's calls cost as little as bare ones)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-calls", type=int, default=400)
    parser.add_argument("--step", type=int, default=50)
    parser.add_argument("--first", type=int, default=None, help="first level (default: --step)")
    parser.add_argument("--hold-seconds", type=float, default=4.0, help="CPU window with all N calls up")
    parser.add_argument("--rate", type=int, default=80, help="calls set up per second")
    parser.add_argument("--extensions", type=int, default=100)
    parser.add_argument("--pairs", type=int, default=4, help="caller/callee SIPp pairs the calls are split between")
    parser.add_argument("--modes", nargs="+", choices=("relay", "direct"), default=["relay", "direct"])
    args = parser.parse_args()

    # Four RTP ports a call (two channels, RTP + RTCP), with room for the previous level's teardown.
    span = min(5800, 8 * args.max_calls + 200)
    rtp = free_rtp_range(span=span)
    with pbx(args.extensions, rtp_start=rtp, rtp_end=rtp + span - 2) as (engine, workdir):
        if (os.cpu_count() or 1) >= 2:
            subprocess.run(["taskset", "-a", "-p", "-c", "0", str(engine.pid)], check=True, capture_output=True)
            os.sched_setaffinity(0, {1})
        for username in ("2000", *callees(args)):
            device = Device.get(Device.sip_username == username)
            # A mailbox would send the called SIPp MWI NOTIFYs it counts as calls.
            extensions.update(device.extension_id, extensions.ExtensionChanges(
                device.extension.name, True, voicemail_enabled=False, max_calls=500), Actor.system("bench"))
        _add_bare_caller(engine, BARE_USER, BARE_PASSWORD)
        bench = Bench(engine, workdir, args)
        idle_before = cpu_seconds(engine.pid)
        time.sleep(2)
        idle = (cpu_seconds(engine.pid) - idle_before) / 2
        print(f"media capacity: N calls held with PCMU RTP both ways (caller plays a pcap, callee echoes), "
              f"{args.rate} calls/s set-up, {args.hold_seconds:g} s hold with all N up, 2 cores "
              f"(Asterisk on CPU 0, SIPp on CPU 1); load average at start {os.getloadavg()[0]:.1f}; "
              f"Asterisk idle (no call) {100 * idle:.1f} % of its core")
        print("| media | dialplan | N | failed | packets sent | loss caller->callee | loss round trip | "
              "loss by the PBX | Asterisk CPU (1 core) | CPU ms per call-second | "
              "bridges at end of hold (direct: re-INVITEs) | kernel drops | load |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        # The daemon's AMI session, listening as it does in production (RTCP and channel events reach it).
        with Ami(AmiSettings.for_engine(engine.settings), on_event=lambda event: None):
            results = {mode: sweep(bench, mode) for mode in args.modes}
        for mode, found in results.items():
            summary(mode, bench, found)
        print("\nloss: packets counted (SIPp's pcap-sent and echo counters, this process's counting socket), not "
              "sequence gaps; a level is good with 0 failed calls and < 1 % loss by the PBX;\n"
              "relay mode discounts "
              f"{media_sweep.LEARNING_PACKETS} packets a call (strict RTP learning of the caller's source).\n"
              "kernel drops: the UDP sockets' drop counters (/proc/net/udp) over the level: whose receive buffer "
              "overflowed; loss by the PBX = the worst path's loss less the load generator's own drops (its echo "
              "and counting sockets),\nand a level where those reach 1 % ends the sweep as the load generator's "
              "limit.\n"
              "reference: Asterisk 22, ~900 G.711 calls at 86 % of 2 vCPUs = ~1.9 ms CPU per call-second.")


if __name__ == "__main__":
    main()
