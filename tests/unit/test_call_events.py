"""Call events from AMI events and call records: which extensions they concern, exactly once."""
import datetime
import sqlite3

from appliance import call_events, events
from appliance.asterisk import cdr
from appliance.models.events import Event
from appliance.services import Actor, extensions

SYSTEM = Actor.system("test")


def _extensions():
    for number, name in (("701", "Ana"), ("702", "Bia")):
        extensions.create(extensions.ExtensionInput(number, name), SYSTEM)


def test_channels_name_extensions_through_their_devices(database):
    _extensions()
    assert call_events.extension_of("PJSIP/701-0000002a") == "701"
    assert call_events.extension_of("PJSIP/trunk_3-0000002b") == ""
    assert call_events.extension_of("Local/702@cn-ring-devices-00000001;1") == ""
    assert call_events.extension_of("") == ""


def test_dial_events_become_ringing_and_answered_scoped_to_both_extensions(database):
    _extensions()
    tracker = call_events.CallTracker()
    base = {"Channel": "PJSIP/701-00000001", "CallerIDNum": "701", "CallerIDName": "Ana", "Linkedid": "9.1",
            "DestChannel": "PJSIP/702-00000002", "DestLinkedid": "9.1", "DestExten": "702"}
    tracker.on_engine_event({"Event": "DialBegin", **base})
    tracker.on_engine_event({"Event": "DialEnd", "DialStatus": "BUSY", **base})
    tracker.on_engine_event({"Event": "DialEnd", "DialStatus": "ANSWER", **base})
    tracker.on_engine_event({"Event": "DialBegin", **base, "DestChannel": "Local/702@cn-ring-devices-0001;1"})
    rows = list(Event.select().order_by(Event.id))
    assert [row.type for row in rows] == ["call.ringing", "call.answered"]
    assert rows[0].data()["to_extension"] == "702" and rows[0].data()["call_id"] == "9.1"
    assert [event.id for event in events.read_since(0, extension="701")] == [row.id for row in rows]
    assert events.read_since(0, extension="70") == []  # whole numbers only


def test_a_new_voicemail_is_an_event_and_reading_one_is_not(database):
    _extensions()
    tracker = call_events.CallTracker()
    tracker.on_engine_event({"Event": "MessageWaiting", "Mailbox": "702@default", "New": "1", "Old": "0"})
    tracker.on_engine_event({"Event": "MessageWaiting", "Mailbox": "702@default", "New": "0", "Old": "1"})
    tracker.on_engine_event({"Event": "MessageWaiting", "Mailbox": "999@default", "New": "3", "Old": "0"})
    assert [(row.type, row.data()["mailbox"]) for row in Event.select()] == [("voicemail.left", "702")]


def _cdr_file(path, rows):
    with sqlite3.connect(path) as handle:
        handle.execute(f'CREATE TABLE "{cdr.CDR_TABLE}" (AcctId INTEGER PRIMARY KEY, '
                       + ", ".join(f'"{column}"' for column in cdr.SOURCE_COLUMNS) + ")")
        for row in rows:
            handle.execute(f'INSERT INTO "{cdr.CDR_TABLE}" VALUES (NULL, '
                           + ", ".join("?" for _ in cdr.SOURCE_COLUMNS) + ")",
                           [row.get(column, "") for column in cdr.SOURCE_COLUMNS])


def test_each_new_call_record_is_published_once_as_hungup_and_unanswered_ones_as_missed(database, tmp_path):
    _extensions()
    start = datetime.datetime(2026, 12, 1, 12).timestamp()
    record = {"start": start, "answer": 0, "end": start + 5, "src": "701", "dst": "702", "sequence": 1,
              "channel": "PJSIP/701-00000001", "dstchannel": "PJSIP/702-00000002", "duration": 5, "billsec": 0}
    path = tmp_path / "master.db"
    _cdr_file(path, [{**record, "uniqueid": "1.1", "linkedid": "1.1", "disposition": "NO ANSWER"},
                     {**record, "uniqueid": "1.2", "linkedid": "1.2", "disposition": "ANSWERED", "billsec": 3}])
    assert cdr.ingest_file(path, "test") == 2
    cdr.ingest_file(path, "again")  # a second cursor copies the same rows: nothing new, nothing published
    published = [(row.type, row.data()["call_id"]) for row in Event.select().order_by(Event.id)]
    assert published == [("call.hungup", "1.1"), ("call.missed", "1.1"), ("call.hungup", "1.2")]
    missed = Event.get(Event.type == "call.missed")
    assert missed.extensions == ",702," and missed.data()["record"]["disposition"] == "NO ANSWER"


def test_pruning_never_lets_ids_start_again(database):
    first = events.publish("call.ringing", {"call_id": "1"})
    second = events.publish("call.ringing", {"call_id": "2"})
    Event.update(created_at=datetime.datetime(2020, 1, 1)).execute()
    assert events.prune(24) == 1
    assert events.publish("call.ringing", {"call_id": "3"}) > second > first
