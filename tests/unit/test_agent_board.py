"""The agent board: app_queue's member and agent events in, each agent's state out."""
from appliance.services.agent_board import AgentBoard, agent_states


def _member(board, status="1", **fields):
    board.on_event({"Event": "QueueMemberStatus", "Queue": "q1", "MemberName": "201", "Status": status, **fields})


def test_an_agent_goes_from_idle_through_ringing_and_a_call_to_wrap_up_and_pause(tmp_path):
    now = [1000.0]
    board = AgentBoard(tmp_path, clock=lambda: now[0])
    state = lambda: agent_states({"members": list(board._members.values())}, now[0], {"q1": 30})["201"]  # noqa: E731
    _member(board)
    assert state()["state"] == "idle"
    board.on_event({"Event": "AgentCalled", "Queue": "q1", "MemberName": "201"})
    assert state()["state"] == "ringing"
    _member(board, "1")  # another agent answered: ringing over, no Agent* event for this one
    assert state()["state"] == "idle"
    board.on_event({"Event": "AgentConnect", "Queue": "q1", "MemberName": "201"})
    assert state()["state"] == "on_call"
    board.on_event({"Event": "AgentComplete", "Queue": "q1", "MemberName": "201"})
    assert state()["state"] == "wrapup"
    now[0] += 31
    assert state()["state"] == "idle"
    _member(board, Paused="1", PausedReason="Almoço", LastPause="1020")
    assert state() == {"state": "paused", "reason": "Almoço", "since": 1020, "queues": ["q1"]}
    board.on_event({"Event": "QueueMemberRemoved", "Queue": "q1", "MemberName": "201"})
    assert agent_states({"members": list(board._members.values())}) == {}
