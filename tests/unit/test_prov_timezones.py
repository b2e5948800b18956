"""Time-zone rules every vendor's files are written from."""
import pytest

from provisioning.timezones import DstChange, zone_rules


@pytest.mark.parametrize(("zone", "expected"), [
    ("America/Sao_Paulo", (-180, None, None, 0)),
    ("Europe/Lisbon", (0, DstChange(3, 5, 7, 1), DstChange(10, 5, 7, 2), 60)),
    ("Australia/Sydney", (600, DstChange(10, 1, 7, 2), DstChange(4, 1, 7, 3), 60)),
])
def test_zone_rules_read_the_yearly_rule_from_zoneinfo(zone, expected):
    rules = zone_rules(zone, 2025)

    assert (rules.offset_minutes, rules.dst_start, rules.dst_end, rules.dst_minutes) == expected


def test_a_half_hour_zone_keeps_its_minutes():
    assert zone_rules("Asia/Kolkata").offset_minutes == 330
