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


def test_the_dialin_number_from_the_engine_settings_is_an_internal_number_of_the_dialplan():
    from pathlib import Path

    from appliance.asterisk.confgen import EngineInput, render_all
    from appliance.asterisk.engine import EngineSettings

    settings = EngineSettings(engine_root=Path("/"), instance="unit", ami_secret="unit-secret-0123456789",
                              jitsi_dialin_number="8700", jigasi_password="p")
    text = render_all(EngineInput(settings, meetings=(MeetingRow("482913", "cnabc123"),)))["extensions.conf"]
    assert "exten => 8700,1,Goto(cn-jitsi-dialin,8700,1)" in text
    assert "[cn-jitsi-pins]" in text and "exten => 482913,1," in text
    assert "jigasi_password" not in repr(settings) and "'p'" not in repr(settings)
    off = render_all(EngineInput(EngineSettings(engine_root=Path("/"), instance="unit",
                                                ami_secret="unit-secret-0123456789")))["extensions.conf"]
    assert "cn-jitsi" not in off


@pytest.mark.parametrize("fields", [{"jitsi_dialin_number": "0870"}, {"jitsi_dialin_number": "87;00"},
                                    {"jigasi_password": "has space"}, {"jigasi_password": "x\ny"}])
def test_engine_settings_refuse_a_dialin_number_or_jigasi_password_that_would_break_a_config(fields):
    from pathlib import Path

    from appliance.asterisk.engine import EngineSettings

    with pytest.raises(ValueError):
        EngineSettings(engine_root=Path("/"), instance="unit", ami_secret="unit-secret-0123456789", **fields)
