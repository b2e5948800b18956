"""Failed logins read out of Asterisk's AMI events (names and fields as Asterisk 22 sends them)."""
import pytest

from appliance.security.events import (
    AMI,
    PASSWORD,
    REFUSED,
    SIP,
    UNKNOWN_USER,
    VOICEMAIL,
    Failure,
    failure_from_event,
    parse_address,
)


def security(name, service="PJSIP", account="201", remote="IPV4/UDP/203.0.113.9/5062"):
    return {"Event": name, "Privilege": "security,all", "Service": service, "AccountID": account,
            "RemoteAddress": remote, "LocalAddress": "IPV4/UDP/127.0.0.1/5060", "Severity": "Error"}


@pytest.mark.parametrize(("event", "expected"), [
    (security("ChallengeResponseFailed"), Failure(SIP, "203.0.113.9", "201", PASSWORD)),
    (security("InvalidAccountID", account="999"), Failure(SIP, "203.0.113.9", "999", UNKNOWN_USER)),
    (security("FailedACL"), Failure(SIP, "203.0.113.9", "201", REFUSED)),
    (security("InvalidPassword", service="AMI", remote="IPV4/TCP/127.0.0.2/40312", account="admin"),
     Failure(AMI, "127.0.0.2", "admin", PASSWORD)),
    (security("ChallengeResponseFailed", remote="IPV6/UDP/[2001:db8::9]/5060"),
     Failure(SIP, "2001:db8::9", "201", PASSWORD)),
    ({"Event": "UserEvent", "UserEvent": "CentralinaVoicemailLoginFailed", "Mailbox": "202", "Endpoint": "201",
      "Address": "127.0.0.2:5072"}, Failure(VOICEMAIL, "127.0.0.2", "201", PASSWORD)),
])
def test_failures_are_read_from_security_events(event, expected):
    assert failure_from_event(event) == expected


@pytest.mark.parametrize("event", [
    security("SuccessfulAuth"),
    security("ChallengeSent"),
    # The artificial endpoint: that request was already reported with its real user name.
    security("ChallengeResponseFailed", account="<unknown>"),
    security("ChallengeResponseFailed", service="IAX2"),
    security("ChallengeResponseFailed", remote="garbage"),
    {"Event": "UserEvent", "UserEvent": "CentralinaToggle", "Extension": "201"},
    {"Event": "UserEvent", "UserEvent": "CentralinaVoicemailLoginFailed", "Endpoint": "201", "Address": ""},
])
def test_other_events_are_no_failure(event):
    assert failure_from_event(event) is None


@pytest.mark.parametrize(("text", "address"), [
    ("IPV4/UDP/192.0.2.1/5060", "192.0.2.1"),
    ("IPV6/TCP/[2001:db8::1]/5061", "2001:db8::1"),
    ("192.0.2.1:5060", "192.0.2.1"),
    ("[2001:db8::1]:5060", "2001:db8::1"),
    ("IPV6/UDP/[::ffff:192.0.2.1]/5060", "192.0.2.1"),
    ("192.0.2.1", "192.0.2.1"),
    ("", None),
    ("IPV4/UDP/example.com/5060", None),
])
def test_addresses_are_parsed_and_normalised(text, address):
    assert parse_address(text) == address
