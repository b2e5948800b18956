"""A conference participant's media in the test process: an RTP socket that speaks a tone and listens.

SIPp carries the call's signalling (scenarios/uac_call_media.xml offers this socket's port); this
sends G.711 a-law packets of a sine tone every 20 ms, RFC 4733 digits on demand, and keeps what the
far end sends, so a test can measure how loud each participant's tone is in what another one hears
(Goertzel at the tone's frequency: each participant speaks its own frequency).
"""
import bisect
import math
import socket
import struct
import threading
import time

from tests.engine.sipp import LOOPBACK, free_port

RATE = 8000
SAMPLES = 160  # 20 ms
PCMA, EVENT = 8, 101
_DTMF_EVENTS = {**{d: int(d) for d in "0123456789"}, "*": 10, "#": 11}


def _alaw_decode(code):
    """ITU-T G.711 a-law code to a 16-bit linear sample."""
    code ^= 0x55
    value = (code & 0x0F) << 4
    segment = (code & 0x70) >> 4
    value += 8 if segment == 0 else 0x108
    if segment > 1:
        value <<= segment - 1
    return value if code & 0x80 else -value


DECODE = [_alaw_decode(code) for code in range(256)]
_BY_VALUE = sorted((value, code) for code, value in enumerate(DECODE))
_VALUES = [value for value, _ in _BY_VALUE]


def alaw_encode(sample):
    """Return the a-law code whose value is nearest ``sample``."""
    i = bisect.bisect_left(_VALUES, sample)
    candidates = [j for j in (i - 1, i) if 0 <= j < len(_VALUES)]
    return _BY_VALUE[min(candidates, key=lambda j: abs(_VALUES[j] - sample))][1]


def tone_level(samples, frequency):
    """Return the amplitude of ``frequency`` in ``samples`` (Goertzel; a full-scale sine of amplitude A gives ~A)."""
    if not samples:
        return 0.0
    coefficient = 2 * math.cos(2 * math.pi * frequency / RATE)
    previous = before = 0.0
    for sample in samples:
        previous, before = sample + coefficient * previous - before, previous
    power = previous * previous + before * before - coefficient * previous * before
    return 2 * math.sqrt(max(power, 0.0)) / len(samples)


class RtpParty:
    """One participant's RTP: speaks ``frequency`` Hz once the far end's first packet shows where it is."""

    def __init__(self, frequency, amplitude=6000, host=LOOPBACK):
        self.frequency, self.amplitude = frequency, amplitude
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(20):
            try:
                self.socket.bind((host, free_port(span=2)))
                break
            except OSError:
                continue
        self.socket.settimeout(0.1)
        self.port = self.socket.getsockname()[1]
        self.remote = None
        self._heard = []  # (arrival time, payload) of PCMA packets
        self._digits = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._receive, daemon=True),
                         threading.Thread(target=self._send, daemon=True)]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        self.socket.close()

    def type_digits(self, digits):
        """Queue RFC 4733 ``digits`` to send (instead of the tone while they last)."""
        with self._lock:
            self._digits.extend(digits)

    def digits_pending(self):
        """Tell whether queued digits are still to be sent."""
        with self._lock:
            return bool(self._digits)

    def heard_since(self, since):
        """Return the linear samples received after monotonic time ``since``."""
        with self._lock:
            payloads = [payload for at, payload in self._heard if at >= since]
        return [DECODE[code] for payload in payloads for code in payload]

    def level_since(self, frequency, since):
        """Return how loud ``frequency`` is in what was heard after ``since``."""
        return tone_level(self.heard_since(since), frequency)

    def _receive(self):
        while not self._stop.is_set():
            try:
                data, address = self.socket.recvfrom(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            if len(data) < 12:
                continue
            self.remote = self.remote or address
            if data[1] & 0x7F == PCMA:
                with self._lock:
                    self._heard.append((time.monotonic(), data[12:]))

    def _send(self):
        sequence, timestamp, ssrc, phase, marker = 1, 0, 0x5EED0000 + self.frequency, 0, True
        step = 2 * math.pi * self.frequency / RATE
        started = None
        while not self._stop.is_set():
            if self.remote is None:
                time.sleep(0.01)
                continue
            started = started or time.monotonic()
            with self._lock:
                digit = self._digits.pop(0) if self._digits else None
            if digit is not None:
                packets, timestamp = self._digit_packets(digit, sequence, timestamp, ssrc)
            else:
                samples = bytes(alaw_encode(int(self.amplitude * math.sin(phase + step * n))) for n in range(SAMPLES))
                phase = (phase + step * SAMPLES) % (2 * math.pi)
                packets = [struct.pack("!BBHII", 0x80, PCMA | (0x80 if marker else 0), sequence, timestamp, ssrc)
                           + samples]
                timestamp += SAMPLES
                marker = False
            for packet in packets:
                try:
                    self.socket.sendto(packet, self.remote)
                except OSError:
                    return
                sequence = (sequence + 1) & 0xFFFF
                # Paced like a phone: one packet every 20 ms of the clock, not of the loop.
                started += 0.02
                self._stop.wait(max(0.0, started - time.monotonic()))

    @staticmethod
    def _digit_packets(digit, sequence, timestamp, ssrc):
        """Return the packets of one RFC 4733 event (100 ms, end sent three times) and the next timestamp."""
        event, packets = _DTMF_EVENTS[digit], []
        for n in range(1, 6):
            packets.append((False, n * SAMPLES))
        packets += [(True, 5 * SAMPLES)] * 3
        out = []
        for index, (end, duration) in enumerate(packets):
            header = struct.pack("!BBHII", 0x80, EVENT | (0x80 if index == 0 else 0),
                                 (sequence + index) & 0xFFFF, timestamp, ssrc)
            out.append(header + struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration))
        return out, timestamp + 5 * SAMPLES + SAMPLES
