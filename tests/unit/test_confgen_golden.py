"""Every generated Asterisk file matches its golden copy."""
import json
from pathlib import Path

import pytest

from appliance.asterisk.confgen import EngineInput, ExtensionRow, RingGroupRow, SipDevice, endpoint_rows, render_all
from appliance.asterisk.confgen.conferences import ConferenceRow
from appliance.asterisk.confgen.queues import PauseReasonRow, QueueMemberRow, QueueRow
from appliance.asterisk.engine import EngineSettings
from tests.golden import assert_golden

SETTINGS = EngineSettings(
    engine_root=Path("/"), instance="golden", bind_address="127.0.0.1", sip_port=5060,
    ami_port=5038, ami_username="centralina", ami_secret="golden-secret-0123456789",
    ami_calls_secret="golden-calls-secret-0123456789",
    http_port=8088, rtp_start=10000, rtp_end=20000,
)
DEVICES = [
    SipDevice("201", "secret-201", "201", "Alice", pickup_groups=("pickup1",), voicemail=True),
    SipDevice("202", "secret-202", "202", "Bob", pickup_groups=("pickup1",), refused_from=("192.0.2.7", "2001:db8::7")),
    SipDevice("1001-desk", "desk-pw", "1001", "Reception desk"),
    SipDevice("1001-soft", "soft-pw", "1001", "Reception softphone", max_contacts=3),
]
EXTENSIONS = [
    ExtensionRow("201", "Alice", voicemail=True, voicemail_pin="4321", max_calls=3, ring_seconds=20),
    ExtensionRow("202", "Bob", language="en"),
    ExtensionRow("1001", "Reception"),
]
RING_GROUPS = [
    RingGroupRow("600", "Vendas", ("201", "202"), "ringall", destination="voicemail:201"),
    RingGroupRow("601", "Suporte", ("202", "201", "1001"), "memoryhunt", member_seconds=10,
                 destination="extension:1001"),
]
QUEUES = [
    QueueRow(1, "610", "Atendimento", members=(QueueMemberRow("201"), QueueMemberRow("202", 1, static=False)),
             strategy="rrmemory", wrapup_seconds=10, max_wait_seconds=120, timeout_destination="voicemail:201",
             max_callers=20, full_destination="ring_group:600", join_empty=False, leave_empty=True,
             empty_destination="extension:1001", announce_seconds=60, announce_holdtime=True,
             periodic_announce="queue-periodic-announce", periodic_seconds=45, exit_key="9",
             exit_destination="extension:1001"),
    QueueRow(2, "611", "Cobrança"),
]
PAUSE_REASONS = [PauseReasonRow(1, "Almoço"), PauseReasonRow(2, "Back-office")]
CONFERENCES = [
    ConferenceRow(1, "880", "Diretoria", pin="1111", moderator_pin="2222", wait_for_moderator=True, max_members=10),
    ConferenceRow(2, "881", "Sala aberta", video=False, announce=False),
    ConferenceRow(3, "882", "Só moderador", moderator_pin="9"),
]
FILES = render_all(EngineInput(SETTINGS, tuple(DEVICES), tuple(RING_GROUPS), queues=tuple(QUEUES),
                               pause_reasons=tuple(PAUSE_REASONS), conferences=tuple(CONFERENCES)))


@pytest.mark.parametrize("name", sorted(FILES))
def test_rendered_file_matches_golden(name):
    assert_golden(name, FILES[name])


def test_endpoint_rows_match_golden():
    rows = endpoint_rows(DEVICES, SETTINGS.media_address, EXTENSIONS)

    assert_golden("endpoint_rows.json", json.dumps(rows, indent=1, sort_keys=True) + "\n")


def test_every_declined_stasis_type_carries_an_event_already_disabled_in_ami():
    # A declined type takes its AMI event away with it: no AMI user may be reading that event.
    from appliance.asterisk.confgen.manager import DISABLED_EVENTS
    from appliance.asterisk.confgen.stasis import DECLINED

    assert set(DECLINED.values()) <= set(DISABLED_EVENTS)
