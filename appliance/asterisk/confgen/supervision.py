"""Supervisors' spy feature codes: listen (*222), whisper (*223), barge (*224) followed by an agent's number.

Only a supervisor's (or an admin's) own extension may use them, and only on agents of the queues
assigned to them: each has a context ``cn-spy-<number>`` with one extension per agent it may spy
on, which sets the ChanSpy target (the agent's main device, ``PJSIP/<device>-``: the dash keeps
``PJSIP/70`` from matching ``PJSIP/701-…``). Anyone else's code, or another agent's number, finds
no entry and hears an error tone. Each use is reported to the daemon (UserEvent CentralinaSpy),
which audits it (notes/callcenter.md 5: no open spy code, audit every spy).
"""
from dataclasses import dataclass

from .dialplan import Context, Note, at
from .queues import CALLER

SPY_CODES_CONTEXT = "cn-spy-codes"
SPY_EVENT = "CentralinaSpy"
#: ChanSpy options per mode: q quiet (no beep, no name), E end with the spied call; w whisper, B barge.
SPY_OPTIONS = {"listen": "qE", "whisper": "qEw", "barge": "qEB"}


def rights_context(number):
    """Return the context of the agents extension ``number`` may spy on."""
    return f"cn-spy-{number}"


@dataclass(frozen=True)
class SpyRight:
    """A supervisor's extension and the agents (``(number, main device)``) it may spy on."""

    supervisor: str
    agents: tuple = ()

    def __post_init__(self):
        numbers = (self.supervisor, *(number for number, _ in self.agents))
        if any(not number.isdigit() or len(number) > 8 for number in numbers):
            raise ValueError(f"not extension numbers: {numbers}")
        for _, device in self.agents:
            if not device.replace("_", "").replace("-", "").replace(".", "").isalnum():
                raise ValueError(f"not a device name: {device!r}")


def contexts(rights, codes):
    """Return the spy codes' context and each supervisor's rights context."""
    found = []
    for right in sorted(rights, key=lambda r: (len(r.supervisor), r.supervisor)):
        context = Context(rights_context(right.supervisor),
                          f"Agents extension {right.supervisor} may listen to (its queues' agents).")
        for number, device in sorted(right.agents):
            context.exten(number, f"Set(CN_SPY=PJSIP/{device}-)", "Return()")
        found.append(context)
    spy = Context(SPY_CODES_CONTEXT, "Supervisors listen to, whisper to or barge into an agent's call.")
    for mode, code in (("listen", codes.spy_listen), ("whisper", codes.spy_whisper), ("barge", codes.spy_barge)):
        offset = len(code)
        spy.exten(
            f"_{code}X.",
            Note("Digits only reach here (the pattern); only the caller's own rights context can answer."),
            f"Set(CN_TARGET=${{EXTEN:{offset}}})",
            f"GotoIf(${{DIALPLAN_EXISTS(cn-spy-{CALLER},${{CN_TARGET}},1)}}?allowed)",
            "Answer()",
            "Playback(beeperr)",
            "Hangup()",
            at("allowed", f"Gosub(cn-spy-{CALLER},${{CN_TARGET}},1)"),
            f"UserEvent({SPY_EVENT},Supervisor: {CALLER},Agent: ${{CN_TARGET}},Mode: {mode})",
            f"ChanSpy(${{CN_SPY}},{SPY_OPTIONS[mode]})",
            "Hangup()",
        )
    return (spy, *found)
