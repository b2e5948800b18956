"""Jitsi meetings: each invitee's link is a room-scoped JWT with expiry and moderator claim, mailed with an .ics."""
import datetime
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import vobject

from appliance.errors import ValidationError
from appliance.services import Actor, mail, meetings
from tests.smtp import SmtpServer

ADMIN = Actor.system("test")
SECRET = "jitsi-secret-of-thirty-two-bytes-x"
CONFIG = meetings.JitsiConfig(url="https://meet.example.com", app_id="centralina", app_secret=SECRET,
                              margin_minutes=15, dialin_number="8700")
START = datetime.datetime(2026, 12, 7, 14, 0, tzinfo=datetime.UTC)


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def meeting(database):
    data = meetings.MeetingInput("Planejamento 2027", START, 60, "ana@example.com",
                                 ["ana@example.com", "bruno@example.com"])
    return meetings.save_meeting(data, ADMIN, CONFIG)


def test_a_link_is_verified_by_the_claims_it_must_carry(meeting):
    link = meetings.meeting_link(meeting, CONFIG, "Ana", "ana@example.com", moderator=True)
    url = urlsplit(link)
    assert (url.scheme, url.netloc, url.path) == ("https", "meet.example.com", f"/{meeting.room_name}")
    token = parse_qs(url.query)["jwt"][0]
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    # As Prosody checks it: our app_id as issuer, "jitsi" as audience, signed with the shared secret.
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi", issuer="centralina",
                        options={"verify_exp": False, "verify_nbf": False})
    assert claims["sub"] == "meet.example.com" and claims["room"] == meeting.room_name
    assert claims["nbf"] == int((START - datetime.timedelta(minutes=15)).timestamp())
    assert claims["exp"] == int((START + datetime.timedelta(minutes=75)).timestamp())
    assert claims["context"]["user"] == {"name": "Ana", "email": "ana@example.com", "moderator": "true",
                                         "affiliation": "owner"}
    assert meetings.verify_token(token, CONFIG, meeting.room_name, now=START)["room"] == meeting.room_name
    guest = parse_qs(urlsplit(meetings.meeting_link(meeting, CONFIG, "Bruno")).query)["jwt"][0]
    assert jwt.decode(guest, options={"verify_signature": False})["context"]["user"]["moderator"] == "false"


@pytest.mark.parametrize("when, room, secret", [
    (START + datetime.timedelta(hours=2), None, SECRET),  # after the meeting and its margin
    (START - datetime.timedelta(hours=1), None, SECRET),  # long before it
    (START, "cnotherroom", SECRET),  # another room
    (START, None, "another-secret-of-thirty-two-bytes"),  # not signed with the shared secret
])
def test_a_link_outside_its_time_room_or_secret_is_refused(meeting, when, room, secret):
    token = meetings.meeting_token(meeting, CONFIG, "Ana")
    config = meetings.JitsiConfig(**{**CONFIG.__dict__, "app_secret": secret})
    with pytest.raises(jwt.InvalidTokenError):
        meetings.verify_token(token, config, room or meeting.room_name, now=when)


def test_each_invitee_gets_their_own_link_and_an_ics_invite(meeting, smtp):
    mail.save_settings(mail.MailSettingsInput("127.0.0.1", smtp.port, "none", "", "", "pbx@example.com"), ADMIN)
    assert meetings.send_invitations(meeting.id, CONFIG, ADMIN, "en") == 2
    by_address = {rcpt[0]: message for _, rcpt, message in smtp.messages}
    assert set(by_address) == {"ana@example.com", "bruno@example.com"}
    for address, message in by_address.items():
        body = message.get_body(("plain",)).get_content()
        assert "Join: https://meet.example.com/" in body and "dial 8700 and type" in body
        attachment = next(part for part in message.iter_attachments() if part.get_content_type() == "text/calendar")
        assert attachment.get_param("method") == "REQUEST"
        event = vobject.readOne(attachment.get_content()).vevent
        assert event.dtstart.value == START and event.summary.value == "Planejamento 2027"
        token = parse_qs(urlsplit(event.url.value).query)["jwt"][0]
        moderator = jwt.decode(token, options={"verify_signature": False})["context"]["user"]["moderator"]
        assert moderator == ("true" if address == "ana@example.com" else "false")
        assert f"PIN {meeting.dialin_pin}" in event.description.value


def test_meetings_need_a_server_and_valid_input(database):
    with pytest.raises(meetings.JitsiOff):
        meetings.save_meeting(meetings.MeetingInput("x", START), ADMIN, meetings.JitsiConfig())
    with pytest.raises(ValidationError) as error:
        meetings.save_meeting(meetings.MeetingInput("", START, 2, "nope", ["a@b.c", "bad"]), ADMIN, CONFIG)
    assert set(error.value.fields) == {"title", "duration_minutes", "organizer_email", "invitees"}
    # The calendar's ends: refused by field, not an overflow (schemathesis sent year 1 and year 9999).
    for moment in (datetime.datetime(9999, 12, 31, 23, 0, tzinfo=datetime.UTC),
                   datetime.datetime(1, 1, 1, 0, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))):
        with pytest.raises(ValidationError) as error:
            meetings.save_meeting(meetings.MeetingInput("Longe", moment, 1440), ADMIN, CONFIG)
        assert set(error.value.fields) == {"starts_at"}
