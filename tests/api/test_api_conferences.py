"""Conference rooms and meetings through the API: the pages' services, the scopes they need."""
import jwt
import pytest

from appliance.asterisk.names import conference_name
from appliance.services import conference_board, conference_guests
from tests.api.conftest import bearer, service_token


@pytest.fixture
def headers(app):
    return bearer(service_token()[1])


def test_a_room_is_created_read_and_refused_on_a_taken_number(client, headers):
    body = {"number": "880", "name": "Diretoria", "pin": "1111", "moderator_pin": "2222", "wait_for_moderator": True}
    created = client.post("/api/v1/conference-rooms", json=body, headers=headers)
    assert created.status_code == 201, created.json
    room = client.get(created.headers["Location"], headers=headers).json
    assert (room["pin"], room["moderator_pin"], room["video"]) == ("1111", "2222", True)
    refused = client.post("/api/v1/conference-rooms", json={**body, "name": "Outra"}, headers=headers)
    assert refused.status_code == 422 and "880" in refused.json["errors"]["number"]
    assert client.post("/api/v1/conference-rooms", json={**body, "number": "881", "pin": "12a"},
                       headers=headers).status_code == 422


def test_participants_are_listed_and_moderated_by_channel(client, headers, app, engine_control):
    room = client.post("/api/v1/conference-rooms", json={"number": "882", "name": "Sala"}, headers=headers).json
    channel = "PJSIP/201-0000000a"
    conference_board.ConferenceBoard(app.config["VAR_DIR"]).on_event({
        "Event": "ConfbridgeJoin", "Conference": conference_name(room["id"]), "Channel": channel,
        "CallerIDNum": "201", "CallerIDName": "Ana", "Admin": "No", "Muted": "No"})
    listed = client.get(f"/api/v1/conference-rooms/{room['id']}/participants", headers=headers).json
    assert [p["number"] for p in listed["participants"]] == ["201"] and listed["locked"] is False
    engine_control.rooms = {conference_name(room["id"]): {"locked": False, "participants": [{"Channel": channel}]}}
    base = f"/api/v1/conference-rooms/{room['id']}"
    assert client.post(f"{base}/participants/mute", json={"channel": channel}, headers=headers).status_code == 204
    assert client.post(f"{base}/participants/kick", json={"channel": "PJSIP/999-0000000b"},
                       headers=headers).status_code == 404
    assert client.post(f"{base}/participants/kick", json={"channel": "Local/x;1"}, headers=headers).status_code == 422
    assert client.post(f"{base}/lock", json={"locked": True}, headers=headers).status_code == 204
    assert engine_control.of_kind("conference_mute") == [(conference_name(room["id"]), channel, True)]


def test_a_guest_link_is_created_for_a_room(client, headers, app):
    room = client.post("/api/v1/conference-rooms", json={"number": "883", "name": "Sala"}, headers=headers).json
    made = client.post(f"/api/v1/conference-rooms/{room['id']}/guest-links", json={"hours": 3}, headers=headers)
    assert made.status_code == 201
    token = made.json["url"].rsplit("/", 1)[1]
    assert conference_guests.verify_link(token, app.config["SECRET_KEY"])[0].id == room["id"]
    assert jwt.decode(token, options={"verify_signature": False})["exp"] - \
        jwt.decode(token, options={"verify_signature": False})["iat"] == 3 * 3600


def test_meetings_need_a_jitsi_server_then_get_a_room_and_pin(client, headers, app):
    body = {"title": "Planejamento", "starts_at": "2026-12-07T14:00:00-03:00", "duration_minutes": 30,
            "invitees": ["ana@example.com"]}
    assert client.post("/api/v1/meetings", json=body, headers=headers).status_code == 503
    app.config.update(JITSI_URL="https://meet.example.com", JITSI_APP_ID="centralina",
                      JITSI_APP_SECRET="a-shared-secret-of-thirty-two-bytes")
    created = client.post("/api/v1/meetings", json=body, headers=headers)
    assert created.status_code == 201, created.json
    meeting = client.get(created.headers["Location"], headers=headers).json
    assert meeting["starts_at"].startswith("2026-12-07T17:00:00") and len(meeting["dialin_pin"]) == 6
    assert meeting["invitees"] == ["ana@example.com"]


def test_a_token_without_the_scope_is_refused(client, app):
    reader = bearer(service_token(["conferences:read"])[1])
    assert client.get("/api/v1/conference-rooms", headers=reader).status_code == 200
    assert client.post("/api/v1/conference-rooms", json={"number": "884", "name": "X"},
                       headers=reader).status_code == 403
