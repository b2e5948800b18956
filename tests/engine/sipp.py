"""Drive SIPp against a SIP server on loopback: register, answer, call, DTMF, NOTIFY.

Every helper runs ``sipp`` as a subprocess on free 127.0.0.1 ports with a
bounded timeout and returns a :class:`SippResult` (exit code, statistics and
the SIP messages exchanged). Scenarios live in ``scenarios/``; a few hold
``${name}`` placeholders (expected status, DTMF steps) that are filled in
before SIPp reads them, while per-run strings go through SIPp's own
``-key name value`` / ``[name]`` mechanism.
"""
import csv
import random
import re
import shutil
import socket
import string
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SIPP = shutil.which("sipp") or "/usr/bin/sipp"
SCENARIOS = Path(__file__).parent / "scenarios"
#: RFC 2833/4733 event pcaps shipped by Debian's sip-tester package (payload type 101).
DTMF_PCAP_DIR = Path("/usr/share/sip-tester")
_DTMF_FILES = {**{d: f"dtmf_2833_{d}.pcap" for d in "0123456789"}, "*": "dtmf_2833_star.pcap",
               "#": "dtmf_2833_pound.pcap"}
LOOPBACK = "127.0.0.1"


def _udp_taken(port, host=LOOPBACK):
    """Tell whether some process (of this thread's network namespace) has bound UDP ``host:port``.

    Read from the kernel's socket table, never by binding a probe: a probe holding the port for an
    instant is exactly what would make SIPp's own bind fail.
    """
    wanted = {f"{socket.htonl(int.from_bytes(socket.inet_aton(address), 'big')):08X}:{port:04X}"
              for address in (host, "0.0.0.0")}
    with open("/proc/thread-self/net/udp") as table:
        next(table)  # the header
        return any(line.split()[1] in wanted for line in table)


#: Where test Asterisks take their RTP ranges (``free_rtp_range``); every other test port comes from
#: below it, so a port found free for SIPp is never one an Asterisk of another module binds for a call.
RTP_BAND = (26000, 32000)


def free_rtp_range(span=100):
    """Return the first port of ``span`` free ports in RTP_BAND, for a test Asterisk's RTP range."""
    return free_port(span, *RTP_BAND)


#: What SIPp says when a port chosen free was bound by someone else before it started (its main
#: socket, or any of its audio and video RTP/RTCP sockets).
_BIND_FAILURES = ("Unable to bind",)
#: SIPp's media sockets from -mp on: audio RTP, RTCP, video RTP, RTCP.
MEDIA_SPAN = 4


def _media_port(sip_port):
    """Return a free -mp for a SIPp whose SIP port is ``sip_port``: its four media ports never include that port
    (both are chosen free before SIPp binds either, so a free SIP port could fall among them: errno 98)."""
    while True:
        media = free_port(span=MEDIA_SPAN)
        if not media <= int(sip_port) < media + MEDIA_SPAN:
            return media


def free_port(span=1, low=20000, high=RTP_BAND[0], tries=200):
    """Return an even port P on loopback such that P..P+span-1 are free for UDP and TCP.

    The range sits below the kernel's ephemeral ports (32768-60999 by default): a port
    found free here cannot be taken by some outgoing connection before its user binds it.
    It also stays clear of the RTP range of a `make run` appliance (10000-20000) and of the
    test Asterisks' (RTP_BAND).
    """
    for _ in range(tries):
        base = random.randrange(low, high - span) & ~1
        socks = []
        try:
            for port in range(base, base + span):
                for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                    s = socket.socket(socket.AF_INET, kind)
                    socks.append(s)
                    s.bind((LOOPBACK, port))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError(f"no {span} free consecutive ports on {LOOPBACK}")


@dataclass
class SippResult:
    """What one SIPp run did: exit code, statistics and SIP messages."""

    command: list
    returncode: int
    output: str
    sent: list = field(default_factory=list)
    received: list = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    #: The scenario ends by stopping SIPp (exit 97), which it reaches only when its call went as written.
    stops_itself: bool = False

    @property
    def ok(self):
        """Tell whether SIPp finished its scenario successfully (exit 0, or 97 where the scenario stops it)."""
        return self.returncode == 0 or (self.returncode == 97 and self.stops_itself)

    @property
    def statuses(self):
        """Return the status codes of the responses received, in order."""
        return [int(m.split()[1]) for m in self.received if m.startswith("SIP/2.0 ")]

    def received_requests(self, method):
        """Return the received requests of ``method`` (e.g. "NOTIFY"), each transaction once."""
        return _distinct(m for m in self.received if m.startswith(method + " "))

    def __str__(self):
        return (f"sipp exit {self.returncode}: statuses {self.statuses}\n{' '.join(self.command)}\n"
                f"{self.output[-2000:]}")


class SippProcess:
    """A SIPp run in the background (a UAS waiting for a call, a NOTIFY catcher)."""

    def __init__(self, command, workdir, timeout, on_exit=None, stops_itself=False):
        self.command, self.workdir, self.timeout = command, workdir, timeout
        self.stops_itself = stops_itself
        self._on_exit = on_exit
        self._proc = subprocess.Popen(
            command, cwd=workdir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )
        self.result = None

    @property
    def pid(self):
        """Return the PID of this SIPp process."""
        return self._proc.pid

    def wait(self, timeout=None):
        """Wait (bounded) for SIPp to finish and return its result; kill it on timeout."""
        try:
            output, _ = self._proc.communicate(timeout=self.timeout + 5 if timeout is None else timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            output, _ = self._proc.communicate(timeout=5)
        if self.result is None:
            self.result = _result(self.command, self._proc.returncode, output, self.workdir, self.stops_itself)
        return self.result

    def received_so_far(self, method):
        """Return the ``method`` requests received until now (read from the live message trace)."""
        _, received = _messages(self.workdir / "messages.log")
        return _distinct(m for m in received if m.startswith(f"{method} "))

    def responses_so_far(self):
        """Return how many responses have arrived until now (read from the live message trace)."""
        _, received = _messages(self.workdir / "messages.log")
        return sum(1 for m in received if m.startswith("SIP/2.0 "))

    def remote_media(self):
        """Return ``(host, port)`` of the audio the far end's last SDP offers or answers, or None yet."""
        _, received = _messages(self.workdir / "messages.log")
        for message in reversed(received):
            host = re.search(r"^c=IN IP4 (\S+)", message, re.M)
            port = re.search(r"^m=audio (\d+)", message, re.M)
            if host and port:
                return host.group(1), int(port.group(1))
        return None

    def wait_listening(self, host, ports, timeout=10.0):
        """Wait (bounded) until SIPp holds every UDP port of ``ports`` on ``host``; return False if it exited first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            if all(_udp_taken(port, host) for port in ports):
                return True
            time.sleep(0.02)
        return False

    def wait_for_request(self, method, timeout=10.0):
        """Wait (bounded) until a ``method`` request has arrived; return whether it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.received_so_far(method):
                return True
            time.sleep(0.05)
        return False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self._proc.poll() is None:
            self._proc.terminate()
        self.wait(timeout=5)
        if self._on_exit:
            self._on_exit()


class Sipp:
    """SIPp helpers aimed at one SIP server (host and UDP/TCP port)."""

    def __init__(self, server_port, server_host=LOOPBACK, workdir=None, timeout=15.0, local_host=LOOPBACK):
        """``local_host``: the address SIPp sends from (another 127.0.0.x plays another machine)."""
        self.server = f"{server_host}:{server_port}"
        self.local_host = local_host
        self.timeout = timeout
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="sipp-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._runs = 0

    def _scenario(self, name, **values):
        """Fill a scenario's ${placeholders} and return the path SIPp should read."""
        text = string.Template((SCENARIOS / name).read_text()).substitute(values)
        self._runs += 1
        path = self.workdir / f"{self._runs:03d}-{name}"
        path.write_text(text)
        return path

    def _command(self, scenario, *, port, service=None, auth=None, keys=None, transport="udp",
                 extra=(), calls=1, timeout=None):
        run_dir = self.workdir / scenario.stem
        run_dir.mkdir(exist_ok=True)
        cmd = [SIPP, self.server, "-sf", str(scenario), "-i", self.local_host, "-p", str(port),
               "-t", {"udp": "u1", "tcp": "t1"}[transport], "-m", str(calls), "-nostdin",
               "-timeout", f"{timeout or self.timeout}s", "-timeout_error",
               "-trace_msg", "-message_file", str(run_dir / "messages.log"),
               "-trace_stat", "-stf", str(run_dir / "stats.csv"),
               "-trace_err", "-error_file", str(run_dir / "errors.log")]
        if service:
            cmd += ["-s", service]
        if auth:
            cmd += ["-au", auth[0], "-ap", auth[1]]
        for key, value in (keys or {}).items():
            cmd += ["-key", key, str(value)]
        # Audio and video (RTP, RTCP) echo sockets start at -mp: four ports.
        cmd += ["-mi", self.local_host, "-mp", str(_media_port(port))]
        return [*cmd, *extra], run_dir

    def _run(self, cmd, run_dir, timeout=None, *, fixed_port=False):
        """Run SIPp to its end; a port someone bound first is replaced (unless ``fixed_port``: the caller
        registered that address) and the run started again."""
        timeout = (timeout or self.timeout) + 5
        for _ in range(3):
            try:
                done = subprocess.run(cmd, cwd=run_dir, stdin=subprocess.DEVNULL, capture_output=True,
                                      text=True, timeout=timeout)
            except subprocess.TimeoutExpired as exc:
                out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
                return _result(cmd, -1, f"killed after {timeout} s\n{out}", run_dir)
            errors = run_dir / "errors.log"
            said = done.stdout + done.stderr + (errors.read_text(errors="replace") if errors.exists() else "")
            # The ports were free when chosen, but another process (an RTP range, a SIPp just
            # starting) may bind one first: nothing was sent yet, so try others.
            if done.returncode == 0 or not any(reason in said for reason in _BIND_FAILURES):
                break
            errors.unlink(missing_ok=True)
            cmd = list(cmd)
            if "Unable to bind main socket" in said:
                if fixed_port:
                    break
                cmd[cmd.index("-p") + 1] = str(free_port())
            if "-mp" in cmd:
                cmd[cmd.index("-mp") + 1] = str(_media_port(cmd[cmd.index("-p") + 1]))
        return _result(cmd, done.returncode, done.stdout + done.stderr, run_dir)

    def register(self, username, password, *, expires=300, port=None, transport="udp", final=200):
        """REGISTER ``username`` (digest auth) from ``port`` (free if None); expect ``final``."""
        scenario = self._scenario("register.xml", final=final)
        cmd, run_dir = self._command(scenario, port=port or free_port(), service=username,
                                     auth=(username, password), keys={"expires": expires},
                                     transport=transport)
        return self._run(cmd, run_dir, fixed_port=port is not None)

    def register_expect_401(self, username, password, **kwargs):
        """REGISTER with a password the server must refuse (401 after the digest retry)."""
        return self.register(username, password, final=401, **kwargs)

    def uas(self, username, password, *, rtp_echo=False, calls=1, timeout=None, trace=True, answer=True, play=None,
            media_port=None, expires=300):
        """Register ``username`` and answer ``calls`` calls in the background (``answer=False``: ring only;
        ``play``: a pcap of PCMU audio the phone sends once the call is answered; ``media_port``: answer
        with another process's RTP socket for G.711 a-law, e.g. rtp_party.RtpParty).

        It registers once, for ``expires`` seconds, and never again: a UAS that must answer for longer
        (a bench) asks for more, or its calls fail once the contact expires.

        Use as a context manager: on exit the UAS is stopped (by its PID) and
        its contact is removed, so later tests don't ring a dead address.
        """
        # A phone with a mailbox gets an unsolicited MWI NOTIFY when it registers: -aa
        # answers it, but SIPp counts it as a call; so a one-call UAS stops itself after
        # its call instead of after -m calls.
        stop = '  <nop><action><exec int_cmd="stop_now"/></action></nop>' if calls == 1 else ""
        if media_port is not None:
            scenario = self._scenario("uas_media.xml", stop=stop, rtp_port=media_port)
        elif play is not None:
            scenario = self._scenario("uas_audio.xml", stop=stop, pcap=play)
        else:
            scenario = self._scenario("uas.xml" if answer else "uas_ringing.xml", stop=stop)
        process = registered = None
        for _ in range(3):
            port = free_port()
            registered = self.register(username, password, port=port, expires=expires)
            if not registered.ok and "Unable to bind main socket" in registered.output:
                continue  # someone bound the chosen port first: choose another
            if not registered.ok:
                raise AssertionError(f"UAS {username} could not register: {registered}")
            cmd, run_dir = self._command(scenario, port=port, calls=calls if calls > 1 else 100, timeout=timeout,
                                         extra=["-aa", *(["-rtp_echo"] if rtp_echo else [])])
            if not trace:  # under load, tracing every message would measure the disk
                cmd.remove("-trace_msg")
            process = SippProcess(cmd, run_dir, timeout or self.timeout, stops_itself=bool(stop),
                                  on_exit=lambda port=port: self.register(username, password, port=port, expires=0))
            # Its ports were free when chosen; if another process bound one first, SIPp exits at once
            # and the phone would never ring: start again on other ports.
            if process.wait_listening(self.local_host, [port, int(cmd[cmd.index("-mp") + 1])]):
                return process
            process.__exit__(None, None, None)
        last = process.result if process else registered
        raise AssertionError(f"UAS {username} could not bind its ports three times: {last}")

    def message_phone(self, username, password, timeout=None):
        """Register ``username`` and wait in the background for one SIP MESSAGE (answered 200); a context manager."""
        scenario = self._scenario("message_uas.xml")
        process = registered = None
        for _ in range(3):
            port = free_port()
            registered = self.register(username, password, port=port)
            if not registered.ok and "Unable to bind main socket" in registered.output:
                continue  # someone bound the chosen port first: choose another
            if not registered.ok:
                raise AssertionError(f"{username} could not register: {registered}")
            cmd, run_dir = self._command(scenario, port=port, calls=100, timeout=timeout, extra=["-aa"])
            process = SippProcess(cmd, run_dir, timeout or self.timeout, stops_itself=True,
                                  on_exit=lambda port=port: self.register(username, password, port=port, expires=0))
            if process.wait_listening(self.local_host, [port]):
                return process
            process.__exit__(None, None, None)
        last = process.result if process else registered
        raise AssertionError(f"{username} could not bind its port three times: {last}")

    def send_message(self, from_user, password, to, body, *, final=202):
        """Send one SIP MESSAGE ``body`` to ``to`` as ``from_user`` (digest auth); expect ``final``."""
        scenario = self._scenario("message_send.xml", from_user=from_user, body=body, final=final)
        cmd, run_dir = self._command(scenario, port=free_port(), service=to, auth=(from_user, password))
        return self._run(cmd, run_dir)

    def call(self, from_user, password, to_number, *, hold_seconds=1.0, expect_status=200, dtmf=""):
        """Call ``to_number`` as ``from_user``; expect ``expect_status`` as the final answer.

        With 200 the call is held ``hold_seconds`` (playing ``dtmf`` digits as
        RFC 4733 packets first) and hung up with BYE.
        """
        keys = {"from_user": from_user}
        if expect_status == 200:
            scenario = self._scenario("uac_call.xml", dtmf=_dtmf_steps(dtmf),
                                      hold_ms=int(hold_seconds * 1000))
        else:
            scenario = self._scenario("uac_call_rejected.xml", final=expect_status)
        cmd, run_dir = self._command(scenario, port=free_port(), service=to_number,
                                     auth=(from_user, password), keys=keys)
        return self._run(cmd, run_dir, timeout=self.timeout + hold_seconds)

    def carrier_call(self, did, caller, *, display="", to_user=None, anonymous=False, expect_status=200,
                     hold_seconds=0.5):
        """Call ``did`` as a carrier would: no digest, from ``caller`` (display name ``display``).

        ``to_user``: the To header's user (default ``did``; a registration trunk's DID is there);
        ``anonymous``: Privacy: id with an anonymous From. Expect ``expect_status`` as the final answer.
        """
        if expect_status == 200:
            answer = _CARRIER_ANSWERED.replace("${hold_ms}", str(int(hold_seconds * 1000)))
        else:
            answer = _CARRIER_REFUSED.replace("${final}", str(expect_status))
        scenario = self._scenario(
            "carrier_call.xml", caller="anonymous" if anonymous else caller,
            display=f'"{display}" ' if display else "", to_user=to_user or did,
            privacy="Privacy: id\n" if anonymous else "", final=expect_status, hold_ms=int(hold_seconds * 1000),
            answer=answer)
        cmd, run_dir = self._command(scenario, port=free_port(), service=did)
        return self._run(cmd, run_dir, timeout=self.timeout + hold_seconds)

    def carrier_call_in_background(self, did, caller, *, ring_seconds=5.0):
        """Call ``did`` as a carrier, let it ring ``ring_seconds`` and cancel it; a context manager (SippProcess)."""
        scenario = self._scenario("carrier_cancel.xml", caller=caller, display="", to_user=did, privacy="",
                                  ring_ms=int(ring_seconds * 1000))
        cmd, run_dir = self._command(scenario, port=free_port(), service=did)
        return SippProcess(cmd, run_dir, self.timeout + ring_seconds)

    def carrier_load(self, did, caller, *, calls, rate, limit=50, timeout=120.0):
        """Place ``calls`` carrier calls to ``did`` (answered, hung up at once) at ``rate`` per second.

        As ``call_load``, without digest: the PBX knows the carrier by the address SIPp sends from.
        """
        scenario = self._scenario("carrier_call.xml", caller=caller, display="", to_user=did, privacy="",
                                  final=200, hold_ms=0, answer=_CARRIER_ANSWERED.replace("${hold_ms}", "0"))
        cmd, run_dir = self._command(scenario, port=free_port(), service=did, calls=calls, timeout=timeout,
                                     extra=["-r", str(rate), "-l", str(limit)])
        cmd.remove("-trace_msg")
        started = time.monotonic()
        result = self._run(cmd, run_dir, timeout=timeout)
        result.stats["wall_seconds"] = time.monotonic() - started
        return result

    def call_until_hung_up(self, from_user, password, to_number, timeout=None):
        """Call ``to_number``, expect 200, and stay until the far end hangs up (BYE)."""
        scenario = self._scenario("uac_call_wait_bye.xml", dtmf="", hold_ms=0)
        cmd, run_dir = self._command(scenario, port=free_port(), service=to_number,
                                     auth=(from_user, password), keys={"from_user": from_user}, timeout=timeout)
        return self._run(cmd, run_dir, timeout=timeout)

    def call_and_type(self, from_user, password, to_number, keys, *, hang_up_after=None, timeout=None):
        """Call ``to_number``, expect 200 and type ``keys`` (any number of them, e.g. "202#1234#").

        Then wait for the far end to hang up, or hang up after ``hang_up_after`` seconds.
        """
        timeout = timeout or self.timeout
        wait = hang_up_after if hang_up_after is not None else timeout
        scenario = self._scenario("uac_call_keypad.xml", keys=keys, wait_ms=int(wait * 1000))
        cmd, run_dir = self._command(scenario, port=free_port(), service=to_number, auth=(from_user, password),
                                     keys={"from_user": from_user}, timeout=timeout)
        return self._run(cmd, run_dir, timeout=timeout)

    def call_menu(self, from_user, password, to_number, steps, *, hang_up_after, timeout=None):
        """Call ``to_number``, expect 200, and run ``steps``: a digit string is typed (RFC 4733), a number
        is a pause in seconds; then wait for the far end's BYE or hang up ``hang_up_after`` seconds later.

        Returns a SippProcess (a context manager): the test watches the call while it runs.
        """
        lines = []
        for step in steps:
            if isinstance(step, str):
                if not step or any(key not in _DTMF_FILES for key in step):
                    raise ValueError(f"not keys: {step!r}")
                lines.append(f'  <nop><action><exec play_dtmf="{step}"/></action></nop>')
            else:
                lines.append(f'  <pause milliseconds="{int(step * 1000)}"/>')
        timeout = timeout or self.timeout + sum(step for step in steps if not isinstance(step, str)) + hang_up_after
        scenario = self._scenario("uac_call_menu.xml", steps="\n".join(lines), wait_ms=int(hang_up_after * 1000))
        cmd, run_dir = self._command(scenario, port=free_port(), service=to_number, auth=(from_user, password),
                                     keys={"from_user": from_user}, timeout=timeout)
        return SippProcess(cmd, run_dir, timeout)

    def call_with_audio(self, from_user, password, to_number, *, wait_seconds, after_seconds=1.0,
                        pcap=DTMF_PCAP_DIR / "g711a.pcap"):
        """Call ``to_number`` offering G.711 a-law, play ``pcap`` after ``wait_seconds``, then hang up."""
        scenario = self._scenario("uac_call_audio.xml", wait_ms=int(wait_seconds * 1000),
                                  after_ms=int(after_seconds * 1000), pcap=pcap, dtmf="", hold_ms=0)
        timeout = self.timeout + wait_seconds + after_seconds
        cmd, run_dir = self._command(scenario, port=free_port(), service=to_number,
                                     auth=(from_user, password), keys={"from_user": from_user}, timeout=timeout)
        return self._run(cmd, run_dir, timeout=timeout)

    def call_with_media(self, from_user, password, to_number, rtp_port, *, hold_seconds):
        """Call ``to_number`` in the background offering ``rtp_port`` (another process's RTP socket, e.g.
        rtp_party.RtpParty) for G.711 a-law and RFC 4733; hang up after ``hold_seconds``. A context manager."""
        scenario = self._scenario("uac_call_media.xml", rtp_port=rtp_port, hold_ms=int(hold_seconds * 1000))
        timeout = self.timeout + hold_seconds
        cmd, run_dir = self._command(scenario, port=free_port(), service=to_number,
                                     auth=(from_user, password), keys={"from_user": from_user}, timeout=timeout)
        return SippProcess(cmd, run_dir, timeout)

    def register_flood(self, username, password, *, calls, rate, timeout=30.0):
        """REGISTER ``username`` with ``password`` ``calls`` times at ``rate`` a second, in the background.

        A brute force: each REGISTER expects 401 after its digest retry. Watch it with
        ``responses_so_far()``; leaving the context manager stops it.
        """
        scenario = self._scenario("register.xml", final=401)
        cmd, run_dir = self._command(scenario, port=free_port(), service=username, auth=(username, password),
                                     keys={"expires": 60}, calls=calls, timeout=timeout, extra=["-r", str(rate)])
        return SippProcess(cmd, run_dir, timeout)

    def subscribe_blf(self, from_user, password, target, notifies=2, timeout=20.0, event="dialog",
                      accept="application/dialog-info+xml"):
        """SUBSCRIBE ``from_user`` to ``target``'s ``event`` state in the background; accept ``notifies`` NOTIFYs.

        Read them with ``.received_so_far("NOTIFY")`` while it runs.
        """
        answer = (
            '  <recv request="NOTIFY"/>\n  <send><![CDATA[\n\nSIP/2.0 200 OK\n[last_Via:]\n[last_From:]\n'
            "[last_To:]\n[last_Call-ID:]\n[last_CSeq:]\nContent-Length: 0\n\n]]></send>"
        )
        scenario = self._scenario("subscribe_blf.xml", notifies="\n".join([answer] * notifies), event=event,
                                  accept=accept)
        cmd, run_dir = self._command(scenario, port=free_port(), service=target, auth=(from_user, password),
                                     keys={"from_user": from_user}, timeout=timeout)
        return SippProcess(cmd, run_dir, timeout)

    def notifies(self, username, password, seconds):
        """Register ``username`` and collect every NOTIFY for ``seconds`` (a context manager).

        Read them with ``.received_so_far("NOTIFY")``; on exit the contact is removed.
        """
        port = free_port()
        registered = self.register(username, password, port=port)
        if not registered.ok:
            raise AssertionError(f"{username} could not register: {registered}")
        scenario = self._scenario("notify_loop.xml")
        cmd, run_dir = self._command(scenario, port=port, timeout=seconds)
        return SippProcess(cmd, run_dir, seconds,
                           on_exit=lambda: self.register(username, password, port=port, expires=0))

    def call_load(self, from_user, password, to_number, *, calls, rate, limit=50, timeout=120.0):
        """Place ``calls`` answered-then-hung-up calls at ``rate`` per second (``limit`` at once).

        Returns the SippResult (``stats`` holds SuccessfulCall(C)/FailedCall(C)) with the wall
        time in ``stats["wall_seconds"]``. Message tracing is off: at load it would measure the disk.
        """
        scenario = self._scenario("uac_call.xml", dtmf="", hold_ms=0)
        cmd, run_dir = self._command(scenario, port=free_port(), service=to_number, auth=(from_user, password),
                                     keys={"from_user": from_user}, calls=calls, timeout=timeout,
                                     extra=["-r", str(rate), "-l", str(limit)])
        cmd.remove("-trace_msg")
        started = time.monotonic()
        result = self._run(cmd, run_dir, timeout=timeout)
        result.stats["wall_seconds"] = time.monotonic() - started
        return result

    def expect_notify(self, username, password, trigger, event, timeout=10.0):
        """Register ``username``, run ``trigger()``, and wait for a NOTIFY to it with ``Event: event``
        (other NOTIFYs, such as the MWI one a REGISTER brings, are answered on the way)."""
        port = free_port()
        registered = self.register(username, password, port=port)
        if not registered.ok:
            raise AssertionError(f"{username} could not register: {registered}")
        scenario = self._scenario("notify_uas.xml", event=event)
        cmd, run_dir = self._command(scenario, port=port, timeout=timeout, calls=100)
        with SippProcess(cmd, run_dir, timeout, stops_itself=True,
                         on_exit=lambda: self.register(username, password, port=port, expires=0)) as proc:
            trigger()
            return proc.wait()


def _dtmf_steps(digits):
    """Return scenario steps that play each digit's RFC 2833 pcap, spaced out."""
    steps = []
    for digit in digits:
        if digit not in _DTMF_FILES:
            raise ValueError(f"no DTMF pcap for {digit!r}")
        pcap = DTMF_PCAP_DIR / _DTMF_FILES[digit]
        if not pcap.exists():
            raise FileNotFoundError(f"{pcap} missing (Debian package sip-tester)")
        # play_pcap_audio returns at once; the pause lets the ~160 ms event finish.
        steps.append(f'  <nop><action><exec play_pcap_audio="{pcap}"/></action></nop>\n'
                     f'  <pause milliseconds="400"/>')
    return "\n".join(steps)


def _result(cmd, returncode, output, run_dir, stops_itself=False):
    sent, received = _messages(run_dir / "messages.log")
    return SippResult(cmd, returncode, output, sent, received, read_stats(run_dir / "stats.csv"), stops_itself)


_BLOCK = re.compile(r"^-{20,} .*$", re.MULTILINE)


_TRANSACTION = re.compile(r"^(?:Via|v):.*?;branch=([^;\s]+).*?^(?:CSeq):\s*(\d+)", re.I | re.M | re.S)


def _distinct(requests):
    """Keep the first of each request transaction: a slow answer makes the sender retransmit, and the
    trace logs every copy (same top Via branch and CSeq), which is still one request."""
    seen, kept = set(), []
    for message in requests:
        match = _TRANSACTION.search(message)
        key = match.groups() if match else message
        if key not in seen:
            seen.add(key)
            kept.append(message)
    return kept


def _messages(path):
    """Split SIPp's -trace_msg file into (sent, received) message texts."""
    sent, received = [], []
    if not path.exists():
        return sent, received
    for block in _BLOCK.split(path.read_text(errors="replace")):
        head, _, body = block.strip().partition("\n")
        body = body.strip()
        if " message sent" in head:
            sent.append(body)
        elif " message received" in head:
            received.append(body)
    return sent, received


def read_stats(path):
    """Return the last row of SIPp's -trace_stat CSV (cumulative counters) as a dict."""
    if not path.exists():
        return {}
    rows = list(csv.reader(path.read_text(errors="replace").splitlines(), delimiter=";"))
    if len(rows) < 2:
        return {}
    return {key: value for key, value in zip(rows[0], rows[-1], strict=False) if key}


_CARRIER_ANSWERED = """  <recv response="200" rtd="true" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
[last_Call-ID:]
[routes]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>
  <pause milliseconds="${hold_ms}"/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
[last_From:]
[last_To:]
[last_Call-ID:]
[routes]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
  <recv response="200" crlf="true"/>"""

_CARRIER_REFUSED = """  <recv response="${final}"/>
  <send><![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

]]></send>"""
