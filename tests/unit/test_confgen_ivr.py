"""IVR menus compile to dialplan: keys, direct-dial ranges as exact patterns, retries, a bounded loop; uploads
are known by their content."""
from pathlib import Path

import pytest

from appliance import audio
from appliance.asterisk.confgen import EngineInput, render_all
from appliance.asterisk.confgen.ivr import IvrRow, menu_context, parse_ranges, range_patterns
from appliance.asterisk.engine import EngineSettings
from tests.golden import assert_golden

SETTINGS = EngineSettings(engine_root=Path("/"), instance="golden", ami_secret="golden-secret-0123456789",
                          ami_calls_secret="golden-calls-secret-0123456789")
MAIN = IvrRow(id=1, name="Principal", number="7000", greeting=3, timeout_seconds=4, timeout_prompt=4,
              timeout_retries=1, invalid_prompt=5, invalid_retries=2, final="extension:201",
              options=(("1", "extension:202"), ("2", "ivr:2"), ("#", "hangup")), direct_dial=True,
              direct_ranges=(("200", "219"),))
SUB = IvrRow(id=2, name="Suporte", options=(("0", "ivr:1"),))


def test_menus_match_golden():
    text = "\n\n".join("\n".join(menu_context(SETTINGS, row).lines()) for row in (MAIN, SUB))
    assert_golden("ivr_menus.conf", text + "\n")


def test_a_menu_number_enters_it_from_the_internal_context():
    text = render_all(EngineInput(SETTINGS, ivrs=(MAIN, SUB)))["extensions.conf"]
    assert "exten => 7000,1,Goto(cn-ivr-1,s,1)" in text
    assert "[cn-ivr-2]" in text


def test_prompts_are_played_by_path_in_the_instance_without_a_suffix():
    lines = menu_context(SETTINGS, MAIN).lines()
    assert " same => n(menu),Background(/srv/centralina/golden/lib/prompts/p3)" in lines


def test_loops_between_menus_end_after_a_bounded_number_of_visits():
    text = "\n".join(menu_context(SETTINGS, SUB).lines())
    assert "GotoIf($[${CN_IVR_VISITS} > 20]?loop)" in text


@pytest.mark.parametrize("low, high, patterns", [
    ("200", "299", ["2XX"]), ("201", "219", ["20[1-9]", "21X"]), ("195", "203", ["19[5-9]", "20[0-3]"]),
    ("4000", "4000", ["4000"]), ("150", "349", ["1[5-9]X", "2XX", "3[0-4]X"]),
])
def test_number_ranges_become_patterns_matching_exactly_those_numbers(low, high, patterns):
    assert range_patterns(low, high) == patterns


def test_range_patterns_cover_every_number_and_no_other():
    import re
    for low, high in (("123", "871"), ("10", "99"), ("2005", "2310")):
        regexes = [re.compile(p.replace("X", "[0-9]")) for p in range_patterns(low, high)]
        for number in range(10 ** (len(low) - 1), 10 ** len(low)):
            inside = int(low) <= number <= int(high)
            assert any(r.fullmatch(str(number)) for r in regexes) == inside, number


@pytest.mark.parametrize("text", ["20-2999", "099-100", "300-200", "2a", "1"])
def test_bad_ranges_are_refused(text):
    with pytest.raises(ValueError):
        parse_ranges(text)


def test_rows_refuse_keys_and_values_that_are_not_dialplan():
    with pytest.raises(ValueError):
        IvrRow(id=1, options=(("11", "hangup"),))
    with pytest.raises(ValueError):
        IvrRow(id=1, options=(("a", "hangup"),))
    with pytest.raises(ValueError):
        IvrRow(id=1, timeout_seconds=0)


@pytest.mark.parametrize("head, fmt", [
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", "wav"), (b"ID3\x04\x00" + bytes(10), "mp3"),
    (b"\xff\xfb\x90\x00" + bytes(8), "mp3"),
    (b"OggS\x00\x02" + bytes(8), "ogg"), (b"\x00\x00\x00\x20ftypM4A " + bytes(4), "m4a"),
    (b"#!/bin/sh\nrm -rf /", None), (b"<html>", None), (b"", None),
])
def test_uploads_are_known_by_their_first_bytes_not_their_name(head, fmt):
    assert audio.sniff(head) == fmt
