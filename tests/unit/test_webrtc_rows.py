"""A browser phone's endpoint row: WebSocket transport, DTLS-SRTP/ICE via webrtc=yes, opus (issue 16)."""
from appliance.asterisk import realtime
from appliance.asterisk.confgen import SipDevice, endpoint_rows
from appliance.asterisk.confgen.pjsip import DEVICE_CODECS


def _endpoints(*devices):
    return {row["id"]: row for row in endpoint_rows(list(devices), "127.0.0.1")["ps_endpoints"]}


def test_a_browser_phone_is_a_webrtc_endpoint_on_the_websocket_and_a_desk_phone_is_not():
    rows = _endpoints(SipDevice("201", "pw-201", "201", "Ana"),
                      SipDevice("201-2", "pw-2012", "201", "Ana", webrtc=True))
    browser, desk = rows["201-2"], rows["201"]
    assert (browser["transport"], browser["webrtc"], browser["dtls_auto_generate_cert"]) == (
        "transport-ws", "yes", "yes")
    assert browser["allow"].split(",")[0] == "opus" and "ulaw" in browser["allow"]
    assert browser["rtp_timeout"] == 30  # a closed tab sends no BYE
    assert browser["rewrite_contact"] is None and browser["rtp_symmetric"] is None
    # The rest is the extension's like any device: context, caller ID, its group, identify by user name.
    for column in ("context", "callerid", "set_var", "identify_by", "media_address"):
        assert browser[column] == desk[column], column
    assert (desk["transport"], desk["webrtc"], desk["allow"], desk["rtp_symmetric"]) == (
        None, None, DEVICE_CODECS, "yes")


def test_both_ring_when_the_extension_is_called():
    rows = endpoint_rows([SipDevice("201", "pw-201", "201", "Ana"),
                          SipDevice("201-2", "pw-2012", "201", "Ana", webrtc=True)])
    assert rows["cn_extensions"][0]["dial"] == "PJSIP/201&PJSIP/201-2"


def test_every_webrtc_column_exists_in_the_realtime_table():
    rows = _endpoints(SipDevice("201-2", "pw-2012", "201", "Ana", webrtc=True))
    assert set(rows["201-2"]) <= set(realtime.SCHEMA["ps_endpoints"])
