"""Test audio for calls: a pure tone as a SIPp pcap (G.711 mu-law RTP), and what a stereo recording holds."""
import math
import struct
import subprocess

#: RTP packets of 20 ms at 8 kHz.
_SAMPLES_PER_PACKET = 160


def _ulaw(sample):
    """Encode one 16-bit linear sample as G.711 mu-law (ITU-T G.711, the bias-and-segment method)."""
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(sample), 32635) + 0x84
    exponent = 7
    while exponent and not magnitude & (0x4000 >> (7 - exponent)):
        exponent -= 1
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def _checksum(header):
    total = sum(struct.unpack("!10H", header))
    total = (total & 0xFFFF) + (total >> 16)
    return ~((total & 0xFFFF) + (total >> 16)) & 0xFFFF


def write_tone_pcap(path, hz=1000, seconds=4.0, amplitude=8000):
    """Write a pcap of RTP packets (payload type 0, PCMU) carrying a ``hz`` sine for ``seconds``; return ``path``."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]  # Ethernet link type
    packets = int(seconds * 8000 / _SAMPLES_PER_PACKET)
    for index in range(packets):
        first = index * _SAMPLES_PER_PACKET
        payload = bytes(_ulaw(int(amplitude * math.sin(2 * math.pi * hz * (first + n) / 8000)))
                        for n in range(_SAMPLES_PER_PACKET))
        rtp = struct.pack("!BBHII", 0x80, 0, index & 0xFFFF, first, 0x1234ABCD) + payload
        udp = struct.pack("!HHHH", 40000, 40002, 8 + len(rtp), 0) + rtp
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), index & 0xFFFF, 0, 64, 17, 0,
                         bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]))
        ip = ip[:10] + struct.pack("!H", _checksum(ip)) + ip[12:]
        frame = b"\x00" * 12 + b"\x08\x00" + ip + udp
        usec = index * 20000
        out.append(struct.pack("<IIII", usec // 1_000_000, usec % 1_000_000, len(frame), len(frame)) + frame)
    path.write_bytes(b"".join(out))
    return path


def decode_stereo(path):
    """Return (left, right) 8 kHz samples of an audio file ffmpeg reads (its two channels)."""
    raw = subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(path), "-f", "s16le", "-ar", "8000",
                          "-ac", "2", "-"], capture_output=True, check=True).stdout
    samples = struct.unpack(f"<{len(raw) // 2}h", raw[: len(raw) // 2 * 2])
    return samples[0::2], samples[1::2]


def channels(path):
    """Return how many audio channels ffprobe reads in ``path``."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", "stream=channels",
                          "-of", "csv=p=0", str(path)], capture_output=True, text=True, check=True).stdout
    return int(out.strip())


def energy(samples):
    """Return the mean square of ``samples``."""
    return sum(s * s for s in samples) / max(1, len(samples))


def tone_share(samples, hz, rate=8000):
    """Return the share (0..1) of the signal's energy at ``hz`` (Goertzel over 100 ms blocks)."""
    block, total, at_hz = 800, 0.0, 0.0
    coefficient = 2 * math.cos(2 * math.pi * hz / rate)
    for start in range(0, len(samples) - block, block):
        chunk = samples[start:start + block]
        s1 = s2 = 0.0
        for sample in chunk:
            s1, s2 = sample + coefficient * s1 - s2, s1
        power = s1 * s1 + s2 * s2 - coefficient * s1 * s2  # |X(hz)|^2
        at_hz += 2 * power / block
        total += sum(s * s for s in chunk)
    return at_hz / total if total else 0.0
