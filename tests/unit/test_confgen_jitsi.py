"""jigasi's login and the dial-in dialplan: a PIN picks the meeting, the header names its room."""
import pytest

from appliance.asterisk.confgen.jitsi import MeetingRow, contexts, jigasi_rows


def test_the_dialin_sends_a_pin_to_jigasi_with_the_room_header():
    text = "\n".join(line for context in contexts("8700", [MeetingRow("482913", "cnabc123")])
                     for line in context.lines())
    assert "exten => 8700,1,Answer()" in text
    assert "exten => 482913,1,Dial(PJSIP/jigasi,60,b(cn-jitsi-header^s^1(cnabc123)))" in text
    assert "Set(PJSIP_HEADER(add,Jitsi-Conference-Room)=${ARG1})" in text
    assert contexts("", [MeetingRow("482913", "cnabc123")]) == ()


def test_jigasi_is_an_authenticated_endpoint_only_when_it_has_a_password():
    rows = jigasi_rows("s3cret")
    assert rows["ps_auths"] == [{"id": "jigasi", "auth_type": "userpass", "username": "jigasi", "password": "s3cret"}]
    assert rows["ps_endpoints"][0]["context"] == "cn-from-jigasi"
    assert jigasi_rows("") == {"ps_endpoints": [], "ps_aors": [], "ps_auths": []}


@pytest.mark.parametrize("pin, room", [("12", "cnabc"), ("123456", "Room;x"), ("0123", "cnabc"), ("1234", "")])
def test_rows_that_would_break_the_dialplan_are_refused(pin, room):
    with pytest.raises(ValueError):
        MeetingRow(pin, room)
