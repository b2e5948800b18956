"""Render extensions.conf: the internal context where every extension rings its devices."""
from collections import defaultdict

from .asterisk import HEADER

INTERNAL_CONTEXT = "internal"
#: Dialling this answers and echoes the caller's audio back (a common PBX code).
ECHO_TEST_NUMBER = "*43"
RING_SECONDS = 30


def render_extensions_conf(devices):
    """Return extensions.conf; devices sharing an extension are dialled together."""
    by_extension = defaultdict(list)
    for device in devices:
        by_extension[device.extension].append(device.username)
    lines = [
        HEADER,
        "[general]",
        "; The dialplan is generated: never rewritten by the CLI (dialplan save).",
        "static = yes",
        "writeprotect = yes",
        "",
        f"[{INTERNAL_CONTEXT}]",
        f"exten => {ECHO_TEST_NUMBER},1,Answer()",
        " same => n,Echo()",
        " same => n,Hangup()",
    ]
    for number in sorted(by_extension, key=lambda n: (len(n), n)):
        targets = "&".join(f"PJSIP/{name}" for name in sorted(by_extension[number]))
        lines += [f"exten => {number},1,Dial({targets},{RING_SECONDS})", " same => n,Hangup()"]
    return "\n".join(lines) + "\n"
