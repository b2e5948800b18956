"""The panel's call history: one row per call, filters, keyset pages, CSV, and only one's own calls."""
import csv
import datetime
import io
import itertools

import pytest

from appliance.models.call_history import CallRecord
from appliance.models.extensions import Extension
from appliance.services import users
from tests.conftest import make_person

PASSWORD = "Blue-Lantern-Pass-77"
_ids = itertools.count(1)


def _person(username, number):
    return make_person(username, number, language="en", password=PASSWORD)


@pytest.fixture
def maria(app):
    """Extension 201, owned by the user maria; 202 belongs to joao."""
    _person("joao", "202")
    return _person("maria", "201")


def leg(when, src, dst, disposition="ANSWERED", linkedid=None, billsec=30, dstchannel=None, lastapp="Dial",
        clid=None):
    """Store one CDR leg as the ingest would."""
    n = next(_ids)
    answered = disposition == "ANSWERED"
    return CallRecord.create(
        calldate=when, answer=when if answered else None, end=when + datetime.timedelta(seconds=billsec + 5),
        src=src, dst=dst, clid=clid or f'"{src}" <{src}>', channel=f"PJSIP/{src}-{n:08x}",
        dstchannel=f"PJSIP/{dst}-{n:08x}" if dstchannel is None else dstchannel, lastapp=lastapp,
        duration=billsec + 5, billsec=billsec if answered else 0, disposition=disposition,
        uniqueid=f"u{n}", linkedid=linkedid or f"u{n}", sequence=n)


T0 = datetime.datetime(2026, 11, 20, 15, 0, 0)  # UTC: 12:00 in São Paulo


def _rows(client, query=""):
    page = client.get(f"/panel/history{query}", headers={"HX-Request": "true"}).get_data(as_text=True)
    return page


def _call_ids(page):
    return [int(part.split('"')[0]) for part in page.split('data-call="')[1:]]


def test_placed_received_and_missed_calls_are_shown_once_each(auth, client, maria):
    placed = leg(T0, "201", "1133334444")
    received = leg(T0 + datetime.timedelta(minutes=1), "202", "201")
    # A dial forked to 201's two devices: two legs, one call, unanswered -> missed.
    missed = leg(T0 + datetime.timedelta(minutes=2), "5511988887777", "201", "NO ANSWER", linkedid="fork")
    leg(T0 + datetime.timedelta(minutes=2), "5511988887777", "201", "NO ANSWER", linkedid="fork")
    leg(T0 + datetime.timedelta(minutes=3), "202", "203")  # not 201's
    auth.login("maria", PASSWORD)
    page = client.get("/panel/history").get_data(as_text=True)
    assert _call_ids(page) == [missed.id, received.id, placed.id]
    missed_row = page.split(f'data-call="{missed.id}"')[1].split("</tr>")[0]
    assert "Not answered" in missed_row and "5511988887777" in missed_row and "missed" in missed_row
    assert "12:00" in page.split(f'data-call="{placed.id}"')[1]  # shown in America/Sao_Paulo


def test_a_call_that_reached_voicemail_is_missed(auth, client, maria):
    first = leg(T0, "202", "201", "NO ANSWER", linkedid="vm")
    leg(T0, "202", "201", "ANSWERED", linkedid="vm", dstchannel="", lastapp="VoiceMail")
    auth.login("maria", PASSWORD)
    assert _call_ids(_rows(client, "?status=missed")) == [first.id]
    assert _call_ids(_rows(client, "?status=answered")) == []
    assert "Voicemail" in _rows(client)


@pytest.mark.parametrize("query, expected", [
    ("?direction=out", ["later", "late_evening", "placed"]),
    ("?direction=in", ["missed", "received"]),
    ("?status=missed", ["missed"]),
    ("?status=answered", ["later", "late_evening", "received", "placed"]),
    ("?status=busy", []),
    ("?number=9888", ["missed"]),
    ("?number=202", ["received"]),
    ("?since=2026-11-21", ["later"]),
    ("?until=2026-11-20", ["late_evening", "missed", "received", "placed"]),
    ("?since=2026-11-20&until=2026-11-20&direction=in&status=missed", ["missed"]),
    ("?direction=sideways&status=bogus&since=not-a-date", ["later", "late_evening", "missed", "received", "placed"]),
])
def test_filters(auth, client, maria, query, expected):
    calls = {
        "placed": leg(T0, "201", "1133334444"),
        "received": leg(T0 + datetime.timedelta(minutes=1), "202", "201"),
        "missed": leg(T0 + datetime.timedelta(minutes=2), "5511988887777", "201", "NO ANSWER"),
        # 02:30 UTC on the 21st is 23:30 on the 20th in São Paulo: a call of the 20th.
        "late_evening": leg(datetime.datetime(2026, 11, 21, 2, 30), "201", "999"),
        "later": leg(datetime.datetime(2026, 11, 21, 12, 0), "201", "888"),
    }
    auth.login("maria", PASSWORD)
    assert _call_ids(_rows(client, query)) == [calls[name].id for name in expected]


def test_keyset_pages_have_no_duplicates_or_gaps_with_equal_timestamps(auth, client, maria):
    stored = [leg(T0 + datetime.timedelta(minutes=i // 7), "202", "201") for i in range(120)]
    auth.login("maria", PASSWORD)
    seen, url = [], "/panel/history"
    while url:
        page = client.get(url, headers={"HX-Request": "true"}).get_data(as_text=True)
        seen += _call_ids(page)
        url = page.split('hx-get="')[1].split('"')[0].replace("&amp;", "&") if 'id="history-more"' in page else None
    expected = [r.id for r in sorted(stored, key=lambda r: (r.calldate, r.id), reverse=True)]
    assert seen == expected
    assert "OFFSET" not in str(CallRecord.select().limit(1).sql())


def test_csv_export_streams_the_filtered_calls(auth, client, maria):
    leg(T0, "201", "1133334444", billsec=75)
    leg(T0 + datetime.timedelta(minutes=1), "202", "201", clid='"=HYPERLINK(1)" <202>')
    leg(T0 + datetime.timedelta(minutes=2), "5511988887777", "201", "BUSY")
    for i in range(600):  # more than one export batch
        leg(T0 - datetime.timedelta(days=1, seconds=i), "201", "4000")
    auth.login("maria", PASSWORD)
    response = client.get("/panel/history.csv?since=2026-11-20")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.is_streamed
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Date and time", "Direction", "Status", "Number"]
    assert [row[1:4] for row in rows[1:]] == [["Received", "Busy", "5511988887777"],
                                              ["Received", "Answered", "202"],
                                              ["Placed", "Answered", "1133334444"]]
    assert rows[3][0] == "2026-11-20 12:00:00" and rows[3][5] == "75"
    assert rows[2][4] == "'=HYPERLINK(1)"  # a caller's name never becomes a formula
    everything = list(csv.reader(io.StringIO(client.get("/panel/history.csv").get_data(as_text=True))))
    assert len(everything) == 1 + 603


def test_csv_headers_follow_the_language(auth, client, maria):
    users.set_language(Extension.get(Extension.number == "201").user_id, "pt_BR")
    auth.login("maria", PASSWORD)
    leg(T0, "201", "1133334444")
    header = client.get("/panel/history.csv").get_data(as_text=True).splitlines()[0]
    assert "Data e hora" in header and "Direção" in header


def test_someone_elses_history_is_forbidden(auth, client, maria):
    leg(T0, "202", "203")
    auth.login("maria", PASSWORD)
    assert client.get("/panel/history?ext=202").status_code == 403
    assert client.get("/panel/history.csv?ext=202").status_code == 403


def test_an_admin_may_open_any_extensions_history(auth, client, maria):
    call = leg(T0, "202", "201")
    auth.login()
    page = client.get("/panel/history?ext=201").get_data(as_text=True)
    assert _call_ids(page) == [call.id]
    assert "ext=201" in page.split('id="history-export"')[0].rsplit("<a", 1)[1]


def test_a_filter_change_also_points_the_export_at_the_filter(auth, client, maria):
    auth.login("maria", PASSWORD)
    fragment = _rows(client, "?status=missed&number=9888")
    assert "<html" not in fragment
    link = fragment.split('id="history-export"')[0].rsplit("<a", 1)[1]
    assert "/panel/history.csv?" in link and "status=missed" in link and "number=9888" in link


def test_a_call_that_talked_to_a_voicebot_shows_what_was_heard_and_the_intent(auth, client, maria):
    from appliance.services import bots

    call = leg(T0, "5511988887777", "201", linkedid="bot-call")
    bots.record_call("00000001-0000-4000-8000-000000000001", 1, linkedid="bot-call", caller="5511988887777",
                     transcript="i need support", intent="support", outcome="intent")
    auth.login("maria", PASSWORD)
    row = _rows(client).split(f'data-call="{call.id}"')[1].split("</tr>")[0]
    assert "VoiceBot: support" in row and "i need support" in row
