"""Blacklists through the API: entries with their blocked attempts, and the page's CSV both ways."""
import datetime
import io

import pytest

from appliance.models.blocklist import BlockedNumber
from appliance.models.call_history import CallRecord
from appliance.services import Actor, blocklist, extensions
from tests.api.conftest import bearer, service_token

PROBLEM = "application/problem+json"
SYSTEM = Actor.system("test")


@pytest.fixture
def headers(app):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    return bearer(service_token()[1])


def test_entries_carry_their_blocked_attempts_and_attempts_never_stale_an_etag(client, headers):
    made = client.post("/api/v1/blocklist", json={"number": "(11) 98888-1111", "note": "spam"}, headers=headers)
    assert made.status_code == 201
    assert made.json["number"] == "+5511988881111" and made.json["extension"] == ""
    assert made.json["attempts"] == 0 and made.json["last_attempt_at"] is None
    url, etag = made.headers["Location"], made.headers["ETag"]
    CallRecord.create(calldate=datetime.datetime(2026, 12, 1, 12), src="+5511988881111", dst="in",
                      userfield="blocked-in", uniqueid="u1", linkedid="u1", sequence=1)
    listed = client.get("/api/v1/blocklist", headers=headers).json["items"]
    assert [(row["attempts"], row["last_attempt_at"]) for row in listed] == [(1, "2026-12-01T12:00:00+00:00")]
    read = client.get(url, headers=headers)
    assert read.json["attempts"] == 1 and read.headers["ETag"] == etag
    assert client.delete(url, headers={**headers, "If-Match": etag}).status_code == 204
    assert BlockedNumber.select().count() == 0


def test_entries_are_filtered_by_direction_and_extension(client, headers):
    for body in ({"direction": "out", "match": "prefix", "number": "0900"},
                 {"match": "anonymous", "extension": "201"}, {"number": "+5511977776666"}):
        assert client.post("/api/v1/blocklist", json=body, headers=headers).status_code == 201
    outbound = client.get("/api/v1/blocklist", query_string={"direction": "out"}, headers=headers).json["items"]
    assert [(row["match"], row["number"]) for row in outbound] == [("prefix", "0900")]
    own = client.get("/api/v1/blocklist", query_string={"extension": "201"}, headers=headers).json["items"]
    assert [(row["match"], row["extension"]) for row in own] == [("anonymous", "201")]


@pytest.mark.parametrize("body, field", [
    ({"number": "abc"}, "number"),
    ({"match": "anonymous", "direction": "out"}, "match"),
    ({"number": "+5511977776666", "extension": "299"}, "extension"),
])
def test_bad_entries_are_per_field_problems(client, headers, body, field):
    response = client.post("/api/v1/blocklist", json=body, headers={**headers, "Accept-Language": "en"})
    assert response.status_code == 422 and response.content_type == PROBLEM
    assert set(response.json["errors"]) == {field}


def test_the_csv_export_is_defused_and_imports_back(client, headers):
    blocklist.add(blocklist.BlockInput("out", "prefix", "+55900", note="=HYPERLINK(1)"), SYSTEM)
    blocklist.add(blocklist.BlockInput("in", "anonymous", extension="201"), SYSTEM)
    exported = client.get("/api/v1/blocklist/csv", headers=headers)
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True)
    assert "out,prefix,+55900,,'=HYPERLINK(1)" in text and "in,anonymous,,201," in text

    bad = "direction,match,number,extension,note\nin,exact,+5511977776666,,\nin,exact,xyz,,\n"
    refused = client.post("/api/v1/blocklist/csv", data={"file": (io.BytesIO(bad.encode()), "b.csv")},
                          headers={**headers, "Accept-Language": "en"})
    assert refused.status_code == 422 and refused.content_type == PROBLEM
    assert set(refused.json["errors"]) == {"3.number"}
    assert BlockedNumber.select().count() == 2

    BlockedNumber.delete().execute()
    imported = client.post("/api/v1/blocklist/csv", data={"file": (io.BytesIO(text.encode()), "b.csv")},
                           headers=headers)
    assert imported.status_code == 200 and imported.json == {"added": 2}
    assert sorted((e.direction, e.match, e.number, e.note) for e in BlockedNumber.select()) == [
        ("in", "anonymous", "", ""), ("out", "prefix", "+55900", "=HYPERLINK(1)")]


def test_an_import_without_a_file_is_a_problem(client, headers):
    response = client.post("/api/v1/blocklist/csv", data={}, headers=headers)
    assert response.status_code == 422 and "file" in response.json["errors"]


def test_a_token_with_blocklist_read_only_cannot_add(client, app):
    headers = bearer(service_token(["blocklist:read"])[1])
    assert client.get("/api/v1/blocklist/csv", headers=headers).status_code == 200
    response = client.post("/api/v1/blocklist", json={"number": "+5511977776666"}, headers=headers)
    assert response.status_code == 403 and "blocklist:write" in response.json["detail"]
