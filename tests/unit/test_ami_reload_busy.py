"""A reload refused because another runs is asked again; any other refusal is reported at once."""
import pytest

from appliance.asterisk import ami


def _session(answers):
    """An Ami whose actions get ``answers`` in turn (an exception is raised, anything else returned)."""
    session = object.__new__(ami.Ami)
    calls = []

    def send(action, check=True):
        calls.append(action)
        answer = answers[min(len(calls), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    session._send = send
    return session, calls


def test_a_reload_refused_while_another_runs_is_asked_again():
    busy = ami.AmiActionFailed("Reload", ami.RELOAD_BUSY)
    session, calls = _session([busy, busy, "ok"])
    session.reload_module("pbx_config.so", busy_wait=5)
    assert len(calls) == 3


def test_without_a_wait_or_for_another_reason_the_refusal_is_reported():
    session, calls = _session([ami.AmiActionFailed("Reload", ami.RELOAD_BUSY)])
    with pytest.raises(ami.ReloadFailed):
        session.reload_module("pbx_config.so")
    assert len(calls) == 1
    session, calls = _session([ami.AmiActionFailed("Reload", "An unknown error occurred"), "ok"])
    with pytest.raises(ami.ReloadFailed, match="unknown error"):
        session.reload_module("pbx_config.so", busy_wait=5)
    assert len(calls) == 1
