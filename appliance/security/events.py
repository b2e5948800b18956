"""Read failed logins out of AMI events: Asterisk's security events and the dialplan's voicemail failures."""
import ipaddress
from dataclasses import dataclass

from appliance.asterisk.confgen.extensions import VOICEMAIL_LOGIN_FAILED

#: Services whose failures the guard counts, as they appear on the ban page.
SIP, VOICEMAIL, AMI = "sip", "voicemail", "ami"

#: Causes: a wrong password or PIN for a user name that exists; a user name that does not exist;
#: a request refused by an ACL (a user name already blocked from that address, or AMI's loopback-only
#: user reached from elsewhere).
PASSWORD, UNKNOWN_USER, REFUSED = "password", "unknown_user", "refused"

#: Security event names (Asterisk's security_events.h) and what they mean here.
_CAUSES = {
    "ChallengeResponseFailed": PASSWORD,
    "InvalidPassword": PASSWORD,
    "InvalidAccountID": UNKNOWN_USER,
    "FailedACL": REFUSED,
}
_SERVICES = {"PJSIP": SIP, "AMI": AMI}
#: res_pjsip names the artificial endpoint (a request from an unknown or refused user) "<unknown>":
#: that request was already reported as InvalidAccountID or FailedACL with the real name.
_ARTIFICIAL = "<unknown>"


@dataclass(frozen=True)
class Failure:
    """One failed attempt: which service, from which address, as which user name, and why."""

    service: str
    address: str
    username: str
    cause: str


def parse_address(text):
    """Return the IP address in ``text`` as a normalised string, or None.

    Accepts Asterisk's security-event form (``IPV4/UDP/192.0.2.1/5060``, ``IPV6/UDP/[2001:db8::1]/5060``)
    and a channel's ``host:port`` (``192.0.2.1:5060``, ``[2001:db8::1]:5060``). An IPv4-mapped
    IPv6 address becomes its IPv4 form, so one source has one name.
    """
    text = (text or "").strip()
    if text.upper().startswith(("IPV4/", "IPV6/")):
        parts = text.split("/")
        text = parts[2] if len(parts) >= 3 else ""
    elif text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def failure_from_event(event):
    """Return the Failure an AMI event reports, or None when it reports none."""
    name = event.get("Event", "")
    if name == "UserEvent" and event.get("UserEvent") == VOICEMAIL_LOGIN_FAILED:
        address = parse_address(event.get("Address", ""))
        endpoint = event.get("Endpoint", "")
        if address is None or not endpoint:
            return None
        return Failure(VOICEMAIL, address, endpoint, PASSWORD)
    cause = _CAUSES.get(name)
    service = _SERVICES.get(event.get("Service", ""))
    if cause is None or service is None:
        return None
    username = event.get("AccountID", "")
    if username == _ARTIFICIAL:
        return None
    address = parse_address(event.get("RemoteAddress", ""))
    if address is None:
        return None
    return Failure(service, address, username[:64], cause)
