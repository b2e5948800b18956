"""The API's resources beyond extensions: groups, phones, click-to-call, call records, voicemail."""
import datetime

from appliance.models.call_history import CallRecord
from tests.api.conftest import bearer, personal_token, service_token
from tests.conftest import make_person


def test_an_admin_token_manages_ring_and_pickup_groups(client, app, admin_token):
    make_person("ana", "201")
    make_person("bruno", "202")
    headers = bearer(admin_token)
    made = client.post("/api/v1/ring-groups", json={"number": "600", "name": "Vendas", "members": ["201", "202"]},
                       headers=headers)
    assert made.status_code == 201 and made.json["members"] == ["201", "202"]
    url = made.headers["Location"]
    etag = client.get(url, headers=headers).headers["ETag"]
    changed = client.put(url, json={"number": "600", "name": "Vendas", "members": ["202"]},
                         headers={**headers, "If-Match": etag})
    assert changed.status_code == 200 and changed.json["members"] == ["202"]
    taken = client.post("/api/v1/ring-groups", json={"number": "201", "name": "X"}, headers=headers)
    assert taken.status_code == 422 and "number" in taken.json["errors"]
    pickup = client.post("/api/v1/pickup-groups", json={"name": "Suporte", "members": ["201", "999"]},
                         headers=headers)
    assert pickup.status_code == 422 and "members" in pickup.json["errors"]
    assert client.delete(url, headers=headers).status_code == 204


def test_click_to_call_rings_the_persons_own_extension(client, app, engine_control):
    make_person("ana", "201")
    _, secret = personal_token("ana", ["calls:originate"])
    # "from" names someone else's extension: a person always calls from their own.
    response = client.post("/api/v1/calls", json={"to": "202", "from": "202"}, headers=bearer(secret))
    assert response.status_code == 202
    assert engine_control.calls[-1][:3] == ("ring_then_dial", "201", "202")


def test_a_service_token_calls_from_the_extension_it_names(client, app, engine_control):
    make_person("ana", "201")
    _, secret = service_token(["calls:originate"])
    assert client.post("/api/v1/calls", json={"to": "11912345678", "from": "201"},
                       headers=bearer(secret)).status_code == 202
    missing = client.post("/api/v1/calls", json={"to": "202", "from": "299"}, headers=bearer(secret))
    assert missing.status_code == 422 and "from" in missing.json["errors"]


def test_click_to_call_without_the_phone_system_is_503(client, app):
    make_person("ana", "201")
    _, secret = personal_token("ana", ["calls:originate"])
    response = client.post("/api/v1/calls", json={"to": "202"}, headers=bearer(secret))
    assert response.status_code == 503 and response.content_type == "application/problem+json"


def test_every_call_record_is_for_admins_and_service_tokens_only(client, app):
    make_person("ana", "201")
    CallRecord.create(calldate=datetime.datetime(2026, 1, 2, 10), src="201", dst="202", uniqueid="1.1",
                      linkedid="1.1", sequence=1, disposition="ANSWERED")
    _, service = service_token(["cdr:read"])
    rows = client.get("/api/v1/call-records", headers=bearer(service)).json["items"]
    assert [row["src"] for row in rows] == ["201"] and rows[0]["calldate"].endswith("+00:00")
    _, person = personal_token("ana", ["cdr:read"])
    assert client.get("/api/v1/call-records", headers=bearer(person)).status_code == 403
    mine = client.get("/api/v1/me/call-history", headers=bearer(person))
    assert mine.status_code == 200 and mine.json["items"][0]["direction"] == "out"


def test_call_records_of_a_number_page_through_either_side_once_each(client, app):
    """``number`` finds records whose source or destination it is, each once, in id order across pages."""
    pairs = [("201", "202"), ("203", "201"), ("201", "201"), ("204", "205"), ("201", "0800"), ("206", "201"),
             ("207", "208"), ("201", "209")]
    for index, (src, dst) in enumerate(pairs):
        CallRecord.create(calldate=datetime.datetime(2026, 1, 2 + index, 10), src=src, dst=dst,
                          uniqueid=f"{index}.1", linkedid=f"{index}.1", sequence=index, disposition="ANSWERED")
    _, service = service_token(["cdr:read"])
    seen, cursor = [], None
    for _ in range(len(pairs)):
        query = "number=201&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/call-records?{query}", headers=bearer(service)).json
        seen += [(row["src"], row["dst"], row["calldate"]) for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = [(src, dst) for src, dst in pairs if "201" in (src, dst)]
    assert [(src, dst) for src, dst, _ in seen] == expected  # the record from 201 to 201 once
    assert all(calldate.endswith("T10:00:00+00:00") for _, _, calldate in seen)
    # With a time window as well: only the records inside it.
    window = client.get("/api/v1/call-records?number=201&since=2026-01-04T00:00:00Z&until=2026-01-07T00:00:00Z",
                        headers=bearer(service)).json["items"]
    assert [(row["src"], row["dst"]) for row in window] == [("201", "201"), ("201", "0800")]


def test_call_records_of_a_time_window_page_by_id_whatever_their_times(client, app):
    """A filtered page finds its keys first (decision 046): the same rows, in id order, each once across pages."""
    days = [5, 1, 4, 2, 9, 3, 3, 6]  # ids in another order than times; two on one day
    for index, day in enumerate(days):
        CallRecord.create(calldate=datetime.datetime(2026, 1, day, 10, 0, 0, 500 * index), src=f"20{index}", dst="300",
                          uniqueid=f"{index}.1", linkedid=f"{index}.1", sequence=index, disposition="ANSWERED")
    _, service = service_token(["cdr:read"])
    seen, cursor = [], None
    for _ in range(len(days)):
        window = "since=2026-01-02T00:00:00Z&until=2026-01-06T00:00:00Z&limit=2"
        query = window + (f"&cursor={cursor}" if cursor else "")
        page = client.get(f"/api/v1/call-records?{query}", headers=bearer(service)).json
        seen += [(row["src"], row["calldate"]) for row in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    expected = [(f"20{index}", f"2026-01-0{day}T10:00:00.{500 * index:06d}+00:00" if index else
                 f"2026-01-0{day}T10:00:00+00:00") for index, day in enumerate(days) if 2 <= day < 6]
    assert seen == expected, seen


def test_query_arguments_are_loaded_by_one_schema_instance_that_keeps_nothing_between_requests(client, app):
    from web.api import _schema_instance
    from web.api.calls import CallRecordFilter

    for index in range(3):
        CallRecord.create(calldate=datetime.datetime(2026, 1, 2, 10, index), src="201", dst=f"30{index}",
                          uniqueid=f"{index}.1", linkedid=f"{index}.1", sequence=index, disposition="ANSWERED")
    _, service = service_token(["cdr:read"])
    one = client.get("/api/v1/call-records?limit=1&number=301", headers=bearer(service)).json
    every = client.get("/api/v1/call-records", headers=bearer(service)).json
    bad = client.get("/api/v1/call-records?limit=0", headers=bearer(service))
    assert [row["dst"] for row in one["items"]] == ["301"]
    assert [row["dst"] for row in every["items"]] == ["300", "301", "302"]  # no limit or number left over
    assert bad.status_code == 422 and "limit" in bad.json["errors"]
    assert _schema_instance(CallRecordFilter) is _schema_instance(CallRecordFilter)


def test_voicemail_lists_an_empty_mailbox_without_the_phone_system(client, app):
    make_person("ana", "201")
    _, secret = personal_token("ana")
    assert client.get("/api/v1/me/voicemail", headers=bearer(secret)).json == {"items": [], "next_cursor": None}
    assert client.delete("/api/v1/me/voicemail/123", headers=bearer(secret)).status_code == 404


def test_phones_list_only_desk_phones(client, app, admin_token):
    make_person("ana", "201")
    page = client.get("/api/v1/phones", headers=bearer(admin_token))
    assert page.status_code == 200 and page.json["items"] == []
    assert client.get("/api/v1/phones/1", headers=bearer(admin_token)).status_code == 404  # a softphone


def test_an_admin_token_sets_anyones_call_settings(client, app, admin_token, engine_control):
    ana = make_person("ana", "201")
    url = f"/api/v1/extensions/{ana.id}/settings"
    changed = client.patch(url, json={"dnd": True, "forward_busy": "202"}, headers=bearer(admin_token))
    assert changed.status_code == 200 and changed.json["dnd"] is True
    assert client.get(url, headers=bearer(admin_token)).json["forward_busy"] == "202"
    _, person = personal_token("ana")
    assert client.get("/api/v1/me/settings", headers=bearer(person)).json["dnd"] is True


def test_the_audit_log_and_blocks_are_readable_by_scope(client, app):
    _, secret = service_token(["audit:read", "extensions:write"], name="ERP")
    client.post("/api/v1/extensions", json={"number": "201", "name": "Ana"}, headers=bearer(secret))
    entries = client.get("/api/v1/audit-entries", query_string={"actor": "token:ERP"}, headers=bearer(secret))
    assert [entry["action"] for entry in entries.json["items"]] == ["extension.create"]
    assert entries.json["items"][0]["after"]["number"] == "201"
    assert client.get("/api/v1/bans", headers=bearer(secret)).status_code == 403


def test_the_directory_lists_colleagues_with_their_presence(client, app):
    make_person("ana", "201", name="Ana Souza")
    make_person("bruno", "202", name="Bruno Lima")
    _, secret = personal_token("ana", ["phonebook:read"])
    found = client.get("/api/v1/me/directory", query_string={"q": "bru"}, headers=bearer(secret)).json["items"]
    assert [(row["number"], row["presence"]) for row in found] == [("202", "available")]
