"""Conference room pages: settings with clear errors, the live list from the daemon's snapshot, moderation."""
import datetime

import pytest

from appliance import live
from appliance.asterisk.names import conference_name
from appliance.models.conferences import ConferenceRoom
from appliance.models.users import AuditEntry
from appliance.services import Actor, conference_board, conferences, extensions
from tests.conftest import PERSON_PASSWORD, make_person

SYSTEM = Actor.system("test")


def _room(client, auth, path="/telephony/conferences/new", **fields):
    data = {"number": "880", "name": "Diretoria", "pin": "1111", "moderator_pin": "2222",
            "wait_for_moderator": "y", "max_members": "10", "video": "y", "announce": "y",
            "csrf_token": auth.token(path)}
    data.update(fields)
    return client.post(path, data=data)


def test_admin_creates_a_room_and_its_number_is_taken(auth, client, app):
    auth.login()
    assert _room(client, auth).status_code == 302
    room = ConferenceRoom.get(ConferenceRoom.number == "880")
    assert (room.pin, room.moderator_pin, room.wait_for_moderator, room.max_members) == ("1111", "2222", True, 10)
    entry = AuditEntry.get(AuditEntry.action == "conference.create")
    assert "1111" not in (entry.after or "") and entry.target_name == "880"
    assert "Diretoria" in client.get("/telephony/conferences").get_data(as_text=True)
    # The numbering plan knows the room: an extension cannot take its number.
    with pytest.raises(Exception, match="already in use"):
        extensions.create(extensions.ExtensionInput("880", "Ana"), SYSTEM)


@pytest.mark.parametrize("fields, message", [
    ({"pin": "12ab"}, "Use 1 to 12 digits"),
    ({"moderator_pin": "1111"}, "must differ"),
    ({"moderator_pin": ""}, "needs a moderator PIN"),
    ({"number": "190"}, "public emergency"),
    ({"name": "Sala;[x]"}, "The name cannot contain"),
    ({"max_members": "5000"}, "0"),
])
def test_bad_rooms_are_explained_and_change_nothing(auth, client, app, fields, message):
    auth.login()
    response = _room(client, auth, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert not ConferenceRoom.select().exists()


def test_the_live_page_lists_participants_from_the_daemons_snapshot(auth, client, app):
    auth.login()
    room = conferences.save_room(conferences.RoomInput("881", "Aberta"), SYSTEM)
    board = conference_board.ConferenceBoard(app.config["VAR_DIR"])
    board.on_event({"Event": "ConfbridgeJoin", "Conference": conference_name(room.id),
                    "Channel": "PJSIP/201-00000001", "CallerIDNum": "201", "CallerIDName": "Ana", "Admin": "No",
                    "Muted": "No"})
    page = client.get(f"/telephony/conferences/{room.id}/live", headers={"HX-Request": "true"})
    text = page.get_data(as_text=True)
    assert "201 Ana" in text and 'hx-trigger="every 2s"' in text and "<html" not in text
    assert ">1</a>" in client.get("/telephony/conferences").get_data(as_text=True)
    board.on_event({"Event": "ConfbridgeLeave", "Conference": conference_name(room.id),
                    "Channel": "PJSIP/201-00000001"})
    assert "Nobody is in the room." in client.get(f"/telephony/conferences/{room.id}/live").get_data(as_text=True)
    assert live.read_snapshot(app.config["VAR_DIR"], "conferences")["rooms"] == {}


def test_moderation_names_only_a_participant_of_that_room(auth, client, app, engine_control):
    auth.login()
    room = conferences.save_room(conferences.RoomInput("882", "Sala"), SYSTEM)
    engine_control.rooms = {conference_name(room.id): {"locked": False, "participants": [
        {"Channel": "PJSIP/201-00000001", "CallerIDNum": "201"}]}}
    path = f"/telephony/conferences/{room.id}/live"
    for action, channel in (("mute", "PJSIP/201-00000001"), ("kick", "PJSIP/999-00000009"), ("lock", "")):
        client.post(f"{path}/{action}", data={"channel": channel, "csrf_token": auth.token(path)})
    assert engine_control.of_kind("conference_mute") == [(conference_name(room.id), "PJSIP/201-00000001", True)]
    assert engine_control.of_kind("conference_kick") == []  # not in the room: refused before AMI
    assert engine_control.of_kind("conference_lock") == [(conference_name(room.id), True)]
    assert {e.action for e in AuditEntry.select()} >= {"conference.mute", "conference.lock"}
    assert client.post(f"{path}/hangup", data={"csrf_token": auth.token(path)}).status_code == 404


def test_only_admins_see_rooms(auth, client, app):
    make_person("ana", "201")
    auth.login("ana", PERSON_PASSWORD)
    assert client.get("/telephony/conferences").status_code in (302, 403)


def test_an_admin_link_lets_a_guest_in_by_name_until_it_expires(auth, client, app):
    import datetime
    import re

    from appliance.models.conferences import ConferenceGuest
    from appliance.services import conference_guests

    auth.login()
    room = conferences.save_room(conferences.RoomInput("883", "Convidados", pin="1111"), SYSTEM)
    path = f"/telephony/conferences/{room.id}/live"
    page = client.post(f"/telephony/conferences/{room.id}/guest-link",
                       data={"hours": "2", "csrf_token": auth.token(path)}).get_data(as_text=True)
    link = re.search(r'value="(http://localhost/join/[^"]+)"', page).group(1)
    assert AuditEntry.get(AuditEntry.action == "conference.guest_link").target_name == "883"
    client.post("/logout", data={"csrf_token": auth.token()})

    guest_client = app.test_client()
    ask = guest_client.get(link)
    assert ask.status_code == 200 and "Convidados" in ask.get_data(as_text=True)
    assert ask.headers["Cache-Control"] == "no-store"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', ask.get_data(as_text=True))
    token = token.group(1) if token else re.search(r'value="([^"]+)"[^>]*name="csrf_token"',
                                                   ask.get_data(as_text=True)).group(1)
    joined = guest_client.post(link, data={"name": "Maria", "csrf_token": token}).get_data(as_text=True)
    guest = ConferenceGuest.get()
    assert guest.name == "Maria" and f'data-sip-username="{guest.sip_username}"' in joined
    assert 'data-room-number="883"' in joined

    # Past its expiry the same link is refused with 410, and nobody new gets in.
    expired, _ = conference_guests.issue_link(room.id, 1, SYSTEM, app.config["SECRET_KEY"],
                                              now=datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=2))
    gone = guest_client.get(f"/join/{expired}")
    assert gone.status_code == 410 and "expirou" in gone.get_data(as_text=True)  # pt-BR: no account, default language
    assert guest_client.get("/join/garbage").status_code == 410


def test_meetings_are_created_from_the_panel_with_a_moderator_link(auth, client, app):
    from appliance.models.meetings import JitsiMeeting

    auth.login()
    assert "No Jitsi Meet server is configured." in client.get("/telephony/meetings").get_data(as_text=True)
    app.config.update(JITSI_URL="https://meet.example.com", JITSI_APP_ID="centralina",
                      JITSI_APP_SECRET="a-shared-secret-of-thirty-two-bytes")
    path = "/telephony/meetings/new"
    response = client.post(path, data={"title": "Planejamento", "starts_at": "2026-12-07T14:00",
                                       "duration_minutes": "60", "organizer_email": "ana@example.com",
                                       "invitees": "ana@example.com\nbruno@example.com",
                                       "csrf_token": auth.token(path)})
    meeting = JitsiMeeting.get()
    assert response.status_code == 302 and meeting.ends_at - meeting.starts_at == datetime.timedelta(hours=1)
    assert meeting.starts_at == datetime.datetime(2026, 12, 7, 17, 0)  # 14:00 in São Paulo, kept in UTC
    page = client.get(f"/telephony/meetings/{meeting.id}").get_data(as_text=True)
    assert f"https://meet.example.com/{meeting.room_name}?jwt=" in page
    bad = client.post(path, data={"title": "", "starts_at": "x", "duration_minutes": "1", "invitees": "nope",
                                  "csrf_token": auth.token(path)})
    assert bad.status_code == 422 and JitsiMeeting.select().count() == 1
