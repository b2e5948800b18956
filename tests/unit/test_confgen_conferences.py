"""Conference rooms compile to ConfBridge profiles and a PIN prompt; bad rows never reach a file."""
import pytest

from appliance.asterisk.confgen.conferences import (
    ConferenceRow,
    GuestLoginRow,
    conference_context,
    guest_login_rows,
    render_confbridge_conf,
)


def test_a_room_waiting_for_its_moderator_gets_marked_and_waiting_profiles():
    text = render_confbridge_conf([ConferenceRow(4, "880", "Diretoria", pin="1", moderator_pin="2",
                                                 wait_for_moderator=True)])
    user = text[text.index("[c4-user]"):text.index("[c4-moderator]")]
    moderator = text[text.index("[c4-moderator]"):]
    assert "wait_marked = yes" in user and "\nmarked = yes" not in user and "admin" not in user
    assert "marked = yes" in moderator and "admin = yes" in moderator
    assert "video_mode = sfu" in text


def test_the_pin_typed_picks_the_profile():
    lines = "\n".join(conference_context([ConferenceRow(4, "880", "D", pin="11", moderator_pin="22")]).lines())
    assert '$["${CN_PIN}" = "22"]?moderator' in lines and '$["${CN_PIN}" = "11"]?user' in lines
    assert "(moderator),ConfBridge(c4,c4-bridge,c4-moderator)" in lines


def test_an_open_room_joins_at_once():
    lines = conference_context([ConferenceRow(5, "881", "Aberta")]).lines()
    assert lines[-2:] == [" same => n,ConfBridge(c5,c5-bridge,c5-user)", " same => n,Hangup()"]


@pytest.mark.parametrize("fields", [
    {"pin": "12a"}, {"pin": "1;Hangup"}, {"moderator_pin": "1\n"}, {"pin": "1", "moderator_pin": "1"},
    {"wait_for_moderator": True}, {"number": "88 0"}, {"name": "x\ny"}, {"max_members": -1},
])
def test_rows_that_would_break_the_files_are_refused(fields):
    values = {"id": 1, "number": "880", "name": "Sala", **fields}
    with pytest.raises(ValueError):
        ConferenceRow(**values)


def test_a_guest_login_is_a_webrtc_endpoint_held_to_its_room():
    rows = guest_login_rows([GuestLoginRow("guest-0123456789ab", "pw", "Maria", "880")])
    endpoint = rows["ps_endpoints"][0]
    assert (endpoint["webrtc"], endpoint["context"], endpoint["set_var"]) == \
        ("yes", "cn-conference-guest", "CN_GUEST_ROOM=880")
    assert rows["ps_auths"][0]["username"] == "guest-0123456789ab"
    with pytest.raises(ValueError):
        GuestLoginRow("201", "pw", "Maria", "880")  # a guest login is never an extension's number
    with pytest.raises(ValueError):
        GuestLoginRow("guest-0123456789ab", "pw", 'Eve"', "880")
