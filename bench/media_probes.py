"""bench/media_capacity's probes: the counting socket, the kernel's per-socket drop counters, SIPp's screen dumps."""
import os
import signal
import socket
import threading
import time

from tests.engine.sipp import LOOPBACK, free_port


class Counter:
    """A UDP socket of this process that counts the packets arriving (the callers' return path)."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # A large buffer: a burst while this thread waits for the GIL must not be dropped here.
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
        self.socket.bind((LOOPBACK, free_port(span=2)))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.packets = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._count, daemon=True)
        self._thread.start()

    def _count(self):
        buffer = bytearray(2048)
        while not self._stop.is_set():
            try:
                self.socket.recv_into(buffer)
            except TimeoutError:
                continue
            self.packets += 1

    def close(self):
        """Stop counting (what is still queued is counted first) and close the socket."""
        self.socket.settimeout(0.05)
        self._stop.set()
        self._thread.join(5)
        self.socket.close()


def udp_drops(ports):
    """Return the kernel's drop counters summed over the UDP sockets bound to any of ``ports`` (a set/range)."""
    total = 0
    with open("/proc/net/udp") as table:
        next(table)
        for line in table:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) in ports:
                total += int(fields[-1])
    return total


def bridge_technologies(engine):
    """Return {technology: bridges} from ``bridge show all``."""
    found = {}
    for line in engine.cli("bridge show all").splitlines():
        for technology in ("native_rtp", "simple_bridge", "softmix", "holding_bridge"):
            if f" {technology} " in f" {line} ":
                found[technology] = found.get(technology, 0) + 1
    return found


def dumps(run_dir):
    """Return the text of every -trace_screen dump SIPp wrote in ``run_dir``."""
    return "".join(path.read_text(errors="replace") for path in sorted(run_dir.glob("*_screen.log")))


def dump_until_exit(processes, wait_for, timeout, watch=None):
    """Ask each running SIPp of ``processes`` for a screen dump (SIGUSR2) every half second until all have
    exited: SIPp's RTP counters are on its screen only, and the screen it writes as it exits has closed
    the media sockets and shows none. The scenarios leave two quiet seconds between the last packet and
    the last BYE, so the last dump taken while running holds the final counts. ``watch()`` is called at
    each turn (to read counters of sockets that vanish with their process). Returns once every process
    of ``wait_for`` has exited (True) or after ``timeout`` seconds (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if watch:
            watch()
        if all(p._proc.poll() is not None for p in wait_for):
            return True
        for process in [p for p in processes if p._proc.poll() is None]:
            os.kill(process.pid, signal.SIGUSR2)
        time.sleep(0.5)
    return False


class DropWatch:
    """The largest drop count seen on each of some sockets (they vanish when their process exits)."""

    def __init__(self, ports):
        self.seen = dict.fromkeys(ports, 0)

    def __call__(self):
        for port in self.seen:
            self.seen[port] = max(self.seen[port], udp_drops({port}))

    @property
    def total(self):
        """Packets dropped over every watched socket."""
        return sum(self.seen.values())
