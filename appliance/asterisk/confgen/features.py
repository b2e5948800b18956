"""Feature codes: what a person dials to reach voicemail, set DND or forwarding, pick up calls."""
import re
from dataclasses import dataclass, fields

_CODE = re.compile(r"\*[0-9]{1,3}|\*\*")


@dataclass(frozen=True)
class FeatureCodes:
    """The codes of one installation; defaults follow what FreePBX users already know."""

    voicemail: str = "*97"
    voicemail_any: str = "*98"
    dnd_on: str = "*78"
    dnd_off: str = "*79"
    forward_always: str = "*72"
    forward_always_off: str = "*73"
    forward_busy: str = "*90"
    forward_busy_off: str = "*91"
    forward_no_answer: str = "*52"
    forward_no_answer_off: str = "*53"
    pickup: str = "*8"
    directed_pickup: str = "**"
    echo_test: str = "*43"
    #: Followed by a prompt's id: an admin records that prompt from the phone (confgen/ivr.py).
    record_prompt: str = "*77"
    #: Business hours' override: the code, a mode digit (0 automatic, 1 open, 2 closed, 3 holiday), the schedule.
    schedule_override: str = "*61"
    #: Agents: log in to / out of every queue they are a dynamic member of; pause (optionally followed by
    #: a pause reason's code: *472) and unpause in every queue.
    agent_login: str = "*45"
    agent_logout: str = "*46"
    agent_pause: str = "*47"
    agent_unpause: str = "*48"
    #: Pressed during a call (not dialled): starts or stops recording it, where the policy is "on demand"
    #: (features.conf applicationmap, confgen/recording.py). FreePBX users know *1.
    record_toggle: str = "*1"
    #: Supervisors: followed by an agent's number, listen to / whisper to / barge into their call
    #: (confgen/supervision.py).
    spy_listen: str = "*222"
    spy_whisper: str = "*223"
    spy_barge: str = "*224"

    def __post_init__(self):
        codes = [getattr(self, f.name) for f in fields(self)]
        bad = [code for code in codes if not _CODE.fullmatch(code)]
        if bad:
            raise ValueError(f"feature codes are * and 1-3 digits (or **): {bad}")
        if len(set(codes)) != len(codes):
            raise ValueError("two features share a code")
        # "*7" would swallow "*72…" as the digits are typed: no code may start another.
        for code in codes:
            clash = [other for other in codes if other != code and other.startswith(code)]
            if clash and code != self.directed_pickup:
                raise ValueError(f"feature code {code} is a prefix of {clash}")

    def items(self):
        """Return [(feature name, code)] in declaration order."""
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


def feature_codes_from(overrides):
    """Return FeatureCodes with ``overrides`` ({feature: code}) applied; ValueError on a bad one."""
    known = {f.name for f in fields(FeatureCodes)}
    unknown = set(overrides or {}) - known
    if unknown:
        raise ValueError(f"unknown feature codes: {sorted(unknown)}")
    return FeatureCodes(**(overrides or {}))
