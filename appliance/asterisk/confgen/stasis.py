"""Render stasis.conf: the message types no part of the appliance reads are never created.

Every channel variable a dialplan step sets publishes a ``VarSet`` message (a JSON blob, a stasis
message, a hop through every subscriber's task processor) even when manager.conf's
``disabledevents`` keeps it from AMI: that only stops the AMI text from being built. The
generated call path sets a dozen or more variables per call (the extension's row into ``HASH``, the
DID's route), so declining the type is what makes a variable as cheap as in a bare dialplan
(decision 052). Asterisk reads this file once, when it starts (stasis.c: a declined type is
never created, ``ast_channel_blob_create`` then returns nothing and nothing is published).
"""
from .asterisk import HEADER

#: Message type -> the AMI event it would carry; each event must already be in manager.conf's
#: DISABLED_EVENTS (no AMI user could miss it). No CEL (cel.conf) and no ARI read them either.
DECLINED = {
    "ast_channel_varset_type": "VarSet",
    "ast_rtp_rtcp_sent_type": "RTCPSent",
    "ast_rtp_rtcp_received_type": "RTCPReceived",
}


def render_stasis_conf():
    """Return stasis.conf."""
    lines = "".join(f"decline = {name}\n" for name in DECLINED)
    return HEADER + f"""
[declined_message_types]
; Published by Asterisk for every variable set and every RTCP report, read by nobody here
; (their AMI events are disabled in manager.conf, CEL is off, ARI is not loaded).
{lines}"""
