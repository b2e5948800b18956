"""Conference guest links: a JWT carrying the claims it must, refused when expired, altered or misdirected."""
import datetime

import jwt
import pytest

from appliance.errors import ValidationError
from appliance.models.conferences import ConferenceGuest
from appliance.services import Actor, conference_guests, conferences

SECRET = "app-secret"
ADMIN = Actor.system("test")
NOW = datetime.datetime(2026, 12, 6, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def room(database):
    return conferences.save_room(conferences.RoomInput("880", "Diretoria", pin="1111"), ADMIN)


def test_a_link_carries_room_scoped_claims_with_expiry(room):
    token, expires_at = conference_guests.issue_link(room.id, 2, ADMIN, SECRET, now=NOW)
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "HS256"
    assert claims["iss"] == "centralina" and claims["aud"] == "centralina:conference-guest"
    assert (claims["sub"], claims["room"]) == (str(room.id), "880")
    assert claims["exp"] - claims["iat"] == 2 * 3600 and expires_at == NOW + datetime.timedelta(hours=2)
    assert len(claims["jti"]) >= 16
    assert "1111" not in token and "pin" not in claims  # the link never holds the room's PIN
    found, verified = conference_guests.verify_link(token, SECRET, now=NOW)
    assert found.id == room.id and verified["jti"] == claims["jti"]


def test_a_link_expires(room):
    token, _ = conference_guests.issue_link(room.id, 1, ADMIN, SECRET, now=NOW)
    conference_guests.verify_link(token, SECRET, now=NOW + datetime.timedelta(minutes=59))
    with pytest.raises(conference_guests.GuestLinkRefused, match="expired"):
        conference_guests.verify_link(token, SECRET, now=NOW + datetime.timedelta(hours=1))


def _forged(claims, key=None, algorithm="HS256"):
    return jwt.encode(claims, key or conference_guests._key(SECRET), algorithm=algorithm)


@pytest.mark.parametrize("change", [
    lambda c: _forged(c, key=b"another key of thirty-two bytes!"),  # not our signature
    lambda c: _forged({k: v for k, v in c.items() if k != "exp"}),  # no expiry
    lambda c: _forged({k: v for k, v in c.items() if k != "jti"}),  # no link id
    lambda c: _forged({**c, "aud": "centralina:api"}),  # another audience
    lambda c: _forged({**c, "iss": "elsewhere"}),
    lambda c: _forged({**c, "room": "881"}),  # the room renumbered, or a guess
    lambda c: _forged({**c, "sub": "999"}),  # a room that is not there
    lambda c: jwt.encode(c, None, algorithm="none"),  # unsigned
    lambda c: "not-a-token",
])
def test_a_link_without_every_claim_or_our_signature_is_refused(room, change):
    token, _ = conference_guests.issue_link(room.id, 1, ADMIN, SECRET, now=NOW)
    claims = jwt.decode(token, options={"verify_signature": False})
    with pytest.raises(conference_guests.GuestLinkRefused, match="not valid"):
        conference_guests.verify_link(change(claims), SECRET, now=NOW)


def test_a_guest_gets_a_room_login_that_ends_with_the_link(room):
    token, _ = conference_guests.issue_link(room.id, 1, ADMIN, SECRET, now=NOW)
    guest = conference_guests.admit(token, "  Maria   Silva ", SECRET, 240, now=NOW)
    assert guest.name == "Maria Silva" and guest.room.id == room.id
    assert guest.sip_username.startswith("guest-") and not guest.sip_username.isdigit()
    assert guest.expires_at == datetime.datetime(2026, 12, 6, 13, 0)  # the link's end, not 240 minutes
    assert list(conference_guests.valid_guests(NOW + datetime.timedelta(minutes=30))) == [guest]
    assert not list(conference_guests.valid_guests(NOW + datetime.timedelta(hours=1)))
    assert conference_guests.forget_expired(NOW + datetime.timedelta(hours=1)) == 1
    with pytest.raises(ValidationError):
        conference_guests.admit(token, 'Eve" <sip:x>', SECRET, 240, now=NOW)
    assert ConferenceGuest.select().count() == 0


def test_link_validity_is_bounded(room):
    for hours in (0, 721, "x"):
        with pytest.raises(ValidationError):
            conference_guests.issue_link(room.id, hours, ADMIN, SECRET, now=NOW)
