"""Conference rooms with real SIP: SIPp participants dial the room, type PINs and hear each other.

Each participant's media is an RtpParty in this process speaking its own tone (500, 900, 1400 Hz):
hearing the others means their frequencies are loud in what this participant receives, and its own
is not (ConfBridge never sends people their own voice).
"""
import threading
import time
from contextlib import ExitStack

import pytest

from appliance.asterisk import control
from appliance.asterisk.ami import AmiEvents, AmiSettings
from appliance.asterisk.names import conference_name
from appliance.errors import NotFound
from appliance.models.users import AuditEntry
from appliance.services import Actor, conference_board, conferences
from tests.engine.rtp_party import RtpParty
from tests.engine.sipp import Sipp
from tests.pbx import extension_with_password
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")
#: Each participant's extension and tone.
PEOPLE = {"811": 500, "812": 900, "813": 1400}
HEARD, SILENT = 1500, 300


@pytest.fixture
def sipp(pbx, tmp_path):
    return Sipp(pbx.settings.sip_port, workdir=tmp_path, timeout=30)


@pytest.fixture(autouse=True)
def hang_up_after(pbx):
    """A SIPp stopped mid-call sends no BYE: hang up what it left, so the next test starts alone."""
    yield
    pbx.cli("channel request hangup all")
    assert wait_for(lambda: "0 active channels" in pbx.cli("core show channels count"), 10)


@pytest.fixture(scope="module")
def people(pbx):
    return {number: extension_with_password(number, f"Pessoa {number}")[1] for number in PEOPLE}


def _room(number, **settings):
    existing = conferences.find_room_by_number(number)
    data = conferences.RoomInput(number=number, name=f"Sala {number}", **settings)
    return conferences.save_room(data, ADMIN, existing.id if existing else None)


def _members(pbx, room):
    """Return the channels ConfBridge lists in ``room`` now (empty when the room is not running)."""
    text = pbx.cli(f"confbridge list {conference_name(room.id)}")
    return [line for line in text.splitlines() if line.startswith("PJSIP/")]


def _flags(line):
    """Return the Flags column of a ``confbridge list <room>`` line (A admin, M marked, w waiting, m muted)."""
    fields = line.split()
    return fields[1] if len(fields) > 2 and not fields[1].startswith("c") else ""


def _join(stack, sipp, number, password, room_number, pin, hold_seconds):
    party = stack.enter_context(RtpParty(PEOPLE[number]))
    stack.enter_context(sipp.call_with_media(number, password, room_number, party.port, hold_seconds=hold_seconds))
    # The PIN prompt's first packet tells where Asterisk listens; the digits go there.
    assert wait_for(lambda: party.remote, 10), f"{number}: no media from the PIN prompt"
    party.type_digits(pin + "#")
    return party


def test_participants_join_by_number_with_pins_and_hear_each_other(pbx, people, sipp):
    room = _room("880", pin="1111", moderator_pin="2222", wait_for_moderator=True, announce=False)
    assert f"c{room.id}-moderator" in pbx.cli("confbridge show profile users")
    with ExitStack() as stack:
        a = _join(stack, sipp, "811", people["811"], "880", "1111", 25)
        b = _join(stack, sipp, "812", people["812"], "880", "1111", 25)
        assert wait_for(lambda: len(_members(pbx, room)) == 2, 15), pbx.cli("confbridge list")
        # No moderator yet: both wait (ConfBridge's flag w: waiting for a marked user).
        assert all("w" in _flags(line) for line in _members(pbx, room)), _members(pbx, room)
        c = _join(stack, sipp, "813", people["813"], "880", "2222", 22)
        assert wait_for(lambda: len(_members(pbx, room)) == 3, 15), pbx.cli("confbridge list")
        assert wait_for(lambda: not any("w" in _flags(line) for line in _members(pbx, room)), 5), _members(pbx, room)
        assert "A" in _flags(next(line for line in _members(pbx, room) if line.startswith("PJSIP/813-")))
        since = time.monotonic() + 1.0  # the mix settles once the moderator is in
        assert wait_for(lambda: time.monotonic() > since + 2.0, 5)
        levels = {name: {freq: round(party.level_since(freq, since)) for freq in PEOPLE.values()}
                  for name, party in (("811", a), ("812", b), ("813", c))}
        for name, heard in levels.items():
            for other, freq in PEOPLE.items():
                if other == name:
                    assert heard[freq] < SILENT, (name, levels)
                else:
                    assert heard[freq] > HEARD, (name, other, levels)


def test_a_wrong_pin_is_refused_three_times_then_the_call_ends(pbx, people, sipp):
    room = _room("881", pin="1234", announce=False)
    with ExitStack() as stack:
        party = stack.enter_context(RtpParty(PEOPLE["811"]))
        stack.enter_context(sipp.call_with_media("811", people["811"], "881", party.port, hold_seconds=40))
        assert wait_for(lambda: party.remote, 10)
        assert wait_for(lambda: "PJSIP/811-" in pbx.cli("core show channels"), 5)
        for _ in range(3):
            party.type_digits("9999#")
        # Asterisk hangs up long before the phone would (40 s), and never let it into the room.
        ended = wait_for(lambda: not _members(pbx, room) and "PJSIP/811-" not in pbx.cli("core show channels"), 25)
        assert ended, pbx.cli("core show channels")


@pytest.fixture
def board(pbx, tmp_path):
    """The daemon's conference board, fed by a real AMI event stream (as the daemon's watcher feeds it)."""
    found = conference_board.ConferenceBoard(tmp_path, fetch=lambda: control.current().conferences())
    stream = AmiEvents(AmiSettings.for_engine(pbx.settings), found.on_event,
                       on_connect=lambda: threading.Thread(target=found.resync).start()).start()
    assert stream.wait_connected(10)
    yield lambda room: conference_board.read_room(tmp_path, room.id)
    stream.stop()


def _heard_after(party, frequency, seconds=1.5):
    """Return how loud ``frequency`` is in what ``party`` hears over the next ``seconds`` (bounded wait)."""
    since = time.monotonic()
    assert wait_for(lambda: time.monotonic() > since + seconds, seconds + 2)
    return party.level_since(frequency, since)


def test_the_board_lists_participants_and_mute_kick_lock_act_on_the_room(pbx, people, sipp, board):
    room = _room("882", pin="3333", announce=False)
    with ExitStack() as stack:
        a = _join(stack, sipp, "811", people["811"], "882", "3333", 30)
        b = _join(stack, sipp, "812", people["812"], "882", "3333", 30)
        listed = wait_for(lambda: len(board(room)[1]) == 2 and board(room)[1], 15)
        assert listed and {p["number"] for p in listed} == {"811", "812"}, board(room)
        channel_a = next(p["channel"] for p in listed if p["number"] == "811")
        assert _heard_after(b, PEOPLE["811"]) > HEARD

        conferences.mute(room.id, channel_a, True, ADMIN)
        assert wait_for(lambda: any(p["muted"] for p in board(room)[1]), 5), board(room)
        assert _heard_after(b, PEOPLE["811"]) < SILENT
        conferences.mute(room.id, channel_a, False, ADMIN)
        assert _heard_after(b, PEOPLE["811"]) > HEARD

        conferences.lock(room.id, True, ADMIN)
        assert wait_for(lambda: board(room)[0], 5)
        # A channel of another room, or made up, is refused before it reaches AMI.
        with pytest.raises(NotFound):
            conferences.kick(room.id, "PJSIP/999-00000001", ADMIN)
        conferences.kick(room.id, channel_a, ADMIN)
        assert wait_for(lambda: [p["number"] for p in board(room)[1]] == ["812"], 10), board(room)
        assert _heard_after(a, PEOPLE["812"], 1.0) < SILENT  # out of the room: hears nobody
    actions = [entry.action for entry in AuditEntry.select().where(AuditEntry.target_type == "conference",
                                                                    AuditEntry.target_id == str(room.id))]
    assert {"conference.mute", "conference.unmute", "conference.lock", "conference.kick"} <= set(actions)
