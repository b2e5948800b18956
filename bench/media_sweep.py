"""The pure parts of bench/media_capacity: the RTP pcap it plays, SIPp's screen counters, the sweep's verdicts.

Kept apart from the engine-driving code so that tests/unit can check them in milliseconds.
"""
import re
import struct
from dataclasses import dataclass

#: G.711 mu-law (PCMU, static payload type 0): the first codec of a device (DEVICE_CODECS), so
#: both legs of a call agree on it and Asterisk relays without transcoding.
PAYLOAD_TYPE = 0
PACKET_MS = 20
SAMPLES = 8 * PACKET_MS
#: Loss at or above this share of the packets sent makes a step bad (issue 18: "< 1 % RTP loss").
MAX_LOSS = 0.01
#: Packets of each caller's stream Asterisk's strict RTP learning drops (rtp.conf ``probation``, default 4):
#: in relay mode the caller sends from SIPp's media port while its SDP names the bench's counting socket,
#: so Asterisk learns the new source from its first packets and drops them. Measured: exactly 4 a call,
#: 0 when the SDP names the sending port. The relay mode's forward loss discounts them.
LEARNING_PACKETS = 4
#: Asterisk's CPU share of its one core over the hold at or above which it counts as saturated.
SATURATED = 0.95


def write_pcap(path, seconds, dport=6000, sport=6002):
    """Write ``path``: ``seconds`` of PCMU RTP in 20 ms packets (Ethernet/IPv4/UDP), as SIPp's
    ``play_pcap_audio`` reads it (it keeps the UDP payload and the timing, and rewrites the ports).

    Returns the number of packets.
    """
    count = max(1, round(seconds * 1000 / PACKET_MS))
    # The payload is a 400 Hz-ish square wave rather than digital silence: nothing on the way may
    # treat the stream as empty (no VAD here, but the bytes cost nothing).
    payload = bytes(0x9F if (i // 10) % 2 else 0x1F for i in range(SAMPLES))
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for seq in range(count):
        rtp = struct.pack("!BBHII", 0x80, PAYLOAD_TYPE, seq & 0xFFFF, seq * SAMPLES, 0x43454E54) + payload
        udp = struct.pack("!HHHH", sport, dport, 8 + len(rtp), 0) + rtp
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), seq & 0xFFFF, 0, 64, 17, 0,
                         bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
        frame = b"\x00" * 12 + b"\x08\x00" + ip
        micros = seq * PACKET_MS * 1000
        out.append(struct.pack("<IIII", micros // 1_000_000, micros % 1_000_000, len(frame), len(frame)) + frame)
    with open(path, "wb") as handle:
        handle.write(b"".join(out))
    return count


_COUNTERS = {
    "pcap_sent": re.compile(r"(\d+) Total RTP pckts sent"),
    "echoed": re.compile(r"(\d+) Total echo RTP pckts 1st stream"),
}
#: A received INVITE's line on the scenario screen: "----------> INVITE  5" (answering side) or
#: "INVITE <----------  5" (calling side).
_RECEIVED_INVITE = re.compile(r"^\s*(?:-{5,}> INVITE|INVITE <-{5,})\s+(?:E-RTD\d\s+)?(\d+)", re.M)


def parse_screen(text):
    """Return SIPp's counters from ``-trace_screen`` dumps (SIGUSR2 appends one screen per dump).

    {"pcap_sent": n, "echoed": n} hold the largest value seen (the counters only grow, and the screen
    SIPp writes as it exits has closed its media sockets and shows none); "invites_received" lists the
    received-INVITE lines of the last scenario screen, in scenario order (a re-INVITE is the last).
    """
    found = {}
    for key, pattern in _COUNTERS.items():
        values = pattern.findall(text)
        if values:
            found[key] = max(int(v) for v in values)
    screens = text.split("Scenario Screen")
    found["invites_received"] = [int(v) for v in _RECEIVED_INVITE.findall(screens[-1])]
    return found


@dataclass
class Step:
    """One level of the sweep for one dialplan: N calls held at once, and what they did."""

    calls: int
    failed: int
    #: Packets the callers sent (SIPp's pcap counter) and what came back where.
    sent: int
    #: Packets the called SIPp received (and echoed): caller -> Asterisk -> callee.
    echoed: int
    #: Packets the callers' counting socket received: callee's echo -> Asterisk -> caller. None where
    #: the path does not exist (direct media: the echo goes straight back to the caller's SIPp).
    returned: int | None
    #: Asterisk's CPU seconds over the hold and the hold's wall seconds.
    cpu_seconds: float
    wall_seconds: float
    load: float = 0.0
    #: Packets the forward path is expected to lose per call whatever the load (LEARNING_PACKETS in relay).
    learning: int = 0
    #: Bridges seen at the end of the hold: {technology: count}.
    bridges: dict | None = None
    #: Direct media: re-INVITEs the caller's and the callee's SIPp answered.
    reinvites: tuple | None = None
    #: Kernel drop counters that grew over the level: {which sockets: packets}.
    dropped: dict | None = None
    #: Of those, the packets the load generator's own sockets dropped (the callee SIPp's echo socket, the
    #: counting socket): their receivers could not keep up, which says nothing of Asterisk.
    client_drops: int = 0

    @property
    def loss_forward(self):
        """Share of the callers' packets the callee never received."""
        return self._lost(self.echoed)

    @property
    def loss_round_trip(self):
        """Share of the callers' packets that never came back to them (None without that path)."""
        return None if self.returned is None else self._lost(self.returned)

    @property
    def expected(self):
        """Packets that should arrive: those sent, less the learning packets of each answered call."""
        return self.sent - self.learning * (self.calls - self.failed)

    def _lost(self, arrived):
        return max(0, self.expected - arrived) / self.expected if self.expected > 0 else 1.0

    @property
    def loss(self):
        """The loss on the worst path measured: the round trip where it exists, else the forward path."""
        trip = self.loss_round_trip
        return self.loss_forward if trip is None else max(trip, self.loss_forward)

    @property
    def loss_by_pbx(self):
        """``loss`` less the packets the load generator's own sockets dropped: what the verdict uses."""
        if self.expected <= 0:
            return 1.0
        return max(0.0, self.loss - self.client_drops / self.expected)

    @property
    def client_limited(self):
        """The load generator dropped 1 % or more itself: higher levels would measure the client."""
        return self.expected > 0 and self.client_drops / self.expected >= MAX_LOSS

    @property
    def cpu_share(self):
        """Asterisk's share of one core over the hold."""
        return self.cpu_seconds / self.wall_seconds if self.wall_seconds else 0.0

    @property
    def cpu_ms_per_call(self):
        """Asterisk's CPU milliseconds per held call per second of hold."""
        return 1000 * self.cpu_share / self.calls if self.calls else 0.0

    @property
    def good(self):
        """0 failed calls and less than 1 % loss by the PBX."""
        return self.failed == 0 and self.loss_by_pbx < MAX_LOSS

    @property
    def saturated(self):
        """Asterisk used (nearly) all of its core."""
        return self.cpu_share >= SATURATED


def levels(step, maximum, first=None):
    """Return the levels of N to try: ``first`` (default ``step``), then every ``step`` up to ``maximum``."""
    start = first or step
    values = list(range(start, maximum + 1, step))
    if not values or values[-1] != maximum:
        values.append(maximum)
    return [v for v in values if v >= 1]


def split(calls, pairs):
    """Return how many of ``calls`` each of ``pairs`` caller/callee SIPp pairs places (none of them empty)."""
    shares = [calls // pairs + (1 if i < calls % pairs else 0) for i in range(pairs)]
    return [share for share in shares if share]


def should_stop(step):
    """Tell whether the sweep of this dialplan ends after ``step``: calls failed, loss, Asterisk saturated,
    or the load generator dropping packets itself."""
    return not step.good or step.saturated or step.client_limited


#: Why a dialplan's sweep ended (largest_good's second value).
LIMIT, CLIENT, NONE = "limit reached", "load generator's limit", "no limit"


def largest_good(steps):
    """Return the largest N of the good steps before the first bad one (0 if the first was bad) and why the
    sweep ended: LIMIT (failed calls, loss or a saturated core), CLIENT (the load generator dropped 1 %
    itself: the capacity is at least that N) or NONE (every level tried was good)."""
    best = 0
    for step in sorted(steps, key=lambda s: s.calls):
        if not step.good:
            return best, LIMIT
        best = step.calls
        if step.saturated:
            return best, LIMIT
        if step.client_limited:
            return best, CLIENT
    return best, NONE


def ratio(generated, bare):
    """Return generated/bare of the largest good N, or None when bare had none."""
    return generated / bare if bare else None
