"""bench/media_capacity's pure parts: the pcap it plays, SIPp's screen counters, the sweep's verdicts."""
import struct

from bench import media_sweep
from bench.media_sweep import Step

SCREEN = """------------------------------ Scenario Screen -------- [1-9]: Change Screen --
  2 open sockets                          0/0/0 UDP errors (send/recv/cong)
  120 Total RTP pckts sent                 12.000 last period RTP rate (kB/s)
  95 Total echo RTP pckts 1st stream      10.000 last period RTP rate (kB/s)
  ----------> INVITE             5         0         0         0
  <---------- 180                5         0
  ----------> ACK         E-RTD1 5         0         0         0
  ----------> INVITE             4         0         0         0
------------------------------ Scenario Screen -------- [1-9]: Change Screen --
  0 open sockets                          0/0/0 UDP errors (send/recv/cong)
  ----------> INVITE             5         0         0         0
  ----------> INVITE             5         0         0         0
"""


def step(**changes):
    values = {"calls": 100, "failed": 0, "sent": 10_000, "echoed": 10_000, "returned": 10_000,
              "cpu_seconds": 1.0, "wall_seconds": 5.0}
    return Step(**{**values, **changes})


def test_screen_counters_keep_the_largest_value_and_the_last_screens_invites():
    found = media_sweep.parse_screen(SCREEN + "  80 Total RTP pckts sent\n")

    # The exit screen has no RTP lines (its sockets are closed): the running screens' value counts.
    assert found["pcap_sent"] == 120
    assert found["echoed"] == 95
    assert found["invites_received"] == [5, 5]


def test_a_screen_without_counters_gives_none():
    assert media_sweep.parse_screen("nothing here") == {"invites_received": []}


def test_the_pcap_holds_20_ms_pcmu_packets_sipp_can_read(tmp_path):
    path = tmp_path / "a.pcap"

    count = media_sweep.write_pcap(path, 1.0)

    data = path.read_bytes()
    assert count == 50
    magic, _, _, _, _, _, linktype = struct.unpack("<IHHiIII", data[:24])
    assert (magic, linktype) == (0xA1B2C3D4, 1)
    offset, stamps, sequences = 24, [], []
    while offset < len(data):
        seconds, micros, length, original = struct.unpack("<IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + length]
        assert length == original == 14 + 20 + 8 + 12 + 160
        assert frame[12:14] == b"\x08\x00" and frame[14 + 9] == 17  # IPv4, UDP
        rtp = frame[14 + 20 + 8:]
        assert rtp[0] == 0x80 and rtp[1] == media_sweep.PAYLOAD_TYPE
        sequences.append(struct.unpack("!H", rtp[2:4])[0])
        stamps.append(seconds * 1_000_000 + micros)
        offset += 16 + length
    assert sequences == list(range(50))
    assert {b - a for a, b in zip(stamps, stamps[1:], strict=False)} == {20_000}


def test_loss_discounts_the_learning_packets_per_answered_call():
    learned = step(calls=10, sent=1000, echoed=960, returned=960, learning=4)
    lossy = step(calls=10, sent=1000, echoed=950, returned=940, learning=4)

    assert learned.loss_forward == 0 and learned.loss_round_trip == 0 and learned.good
    assert round(lossy.loss_forward, 4) == round(10 / 960, 4)
    assert round(lossy.loss, 4) == round(20 / 960, 4)
    assert not lossy.good


def test_direct_media_has_no_round_trip_and_judges_the_forward_path():
    direct = step(returned=None, echoed=9_950)

    assert direct.loss_round_trip is None
    assert direct.loss == 0.005 and direct.good


def test_a_failed_call_or_a_saturated_core_ends_the_sweep():
    assert media_sweep.should_stop(step(failed=1))
    assert media_sweep.should_stop(step(cpu_seconds=4.9))
    assert not media_sweep.should_stop(step(cpu_seconds=4.0))
    assert step(cpu_seconds=1.0).cpu_ms_per_call == 2.0


def test_largest_good_n_stops_at_the_first_bad_level():
    steps = [step(calls=50), step(calls=100), step(calls=150, failed=2), step(calls=200)]

    assert media_sweep.largest_good(steps) == (100, media_sweep.LIMIT)
    assert media_sweep.largest_good([step(calls=50, failed=1)]) == (0, media_sweep.LIMIT)
    # Every level good: the capacity is at least the last one.
    assert media_sweep.largest_good(steps[:2]) == (100, media_sweep.NONE)
    # Saturated but still good: that level counts, and the sweep ended on a limit.
    assert media_sweep.largest_good([step(calls=50), step(calls=100, cpu_seconds=4.9)]) == (100, media_sweep.LIMIT)


def test_packets_the_load_generator_dropped_are_not_the_pbxs_loss_but_end_the_sweep():
    # 300 lost on the way, 250 of them in the callee SIPp's own socket buffer.
    client = step(sent=10_000, echoed=9_700, returned=9_700, client_drops=250)

    assert round(client.loss, 3) == 0.03
    assert round(client.loss_by_pbx, 3) == 0.005
    assert client.good and client.client_limited and media_sweep.should_stop(client)
    assert media_sweep.largest_good([step(calls=50), step(calls=100, client_drops=250)]) == (100, media_sweep.CLIENT)


def test_levels_end_at_the_maximum():
    assert media_sweep.levels(50, 200) == [50, 100, 150, 200]
    assert media_sweep.levels(50, 120) == [50, 100, 120]
    assert media_sweep.levels(50, 120, first=10) == [10, 60, 110, 120]


def test_ratio_of_the_largest_good_n():
    assert media_sweep.ratio(190, 200) == 0.95
    assert media_sweep.ratio(10, 0) is None


def test_calls_are_split_between_the_sipp_pairs():
    assert media_sweep.split(10, 4) == [3, 3, 2, 2]
    assert media_sweep.split(2, 4) == [1, 1]
    assert sum(media_sweep.split(401, 4)) == 401
