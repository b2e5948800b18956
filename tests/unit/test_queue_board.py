"""Queues' figures from queue_log lines and from AMI events (the dashboard's numbers), by hand-computed values."""
from appliance.services import queue_board

LINES = [
    "1000|a|q1|NONE|ENTERQUEUE||790|1",
    "1010|a|q1|701|CONNECT|10|x|2",          # answered after 10 s: within 20
    "1070|a|q1|701|COMPLETECALLER|10|60|1",
    "1100|b|q1|NONE|ENTERQUEUE||791|1",
    "1130|b|q1|702|CONNECT|30|y|3",          # answered after 30 s: late
    "1190|b|q1|702|COMPLETEAGENT|30|60|1",
    "1200|c|q1|NONE|ENTERQUEUE||792|1",
    "1205|c|q1|NONE|ABANDON|1|1|5",          # abandoned after 5 s
    "1300|d|q2|NONE|ENTERQUEUE||793|1",
    "900|e|q1|NONE|ENTERQUEUE||794|1",       # yesterday: before ``since``
    "1301|NONE|NONE|701|PAUSEALL|Almoço",
]


def test_figures_from_queue_log_match_the_hand_computed_values():
    figures, agents = queue_board.figures_from_queue_log(LINES, 950, {"q1": 20})
    q1 = figures["q1"]
    assert (q1["offered"], q1["answered"], q1["abandoned"], q1["answered_in_sl"]) == (3, 2, 1, 1)
    assert q1["wait_total"] == 40 and q1["talk_total"] == 120 and q1["longest_wait"] == 30
    # answered within 20 s / (answered + abandoned) = 1 / 3
    assert queue_board.service_level(q1) == 33.3
    assert figures["q2"]["offered"] == 1 and queue_board.service_level(figures["q2"]) is None
    assert agents == {"701": 1, "702": 1}


def test_events_move_callers_and_figures_and_announce_each_change(tmp_path, monkeypatch):
    published = []
    monkeypatch.setattr(queue_board.events, "publish", lambda type_, data: published.append((type_, data)))
    clock = [1_000_000.0]
    board = queue_board.QueueBoard(str(tmp_path), "America/Sao_Paulo", thresholds=lambda: {"q1": 20},
                                   clock=lambda: clock[0])
    board.on_event({"Event": "QueueCallerJoin", "Queue": "q1", "Uniqueid": "u1", "CallerIDNum": "790",
                    "Position": "1"})
    snapshot = queue_board.read(str(tmp_path))
    assert list(snapshot["callers"]["q1"]) == ["u1"] and snapshot["figures"]["q1"]["offered"] == 1
    board.on_event({"Event": "AgentConnect", "Queue": "q1", "HoldTime": "25", "MemberName": "701"})
    board.on_event({"Event": "QueueCallerLeave", "Queue": "q1", "Uniqueid": "u1"})
    board.on_event({"Event": "AgentComplete", "Queue": "q1", "TalkTime": "40", "MemberName": "701"})
    board.on_event({"Event": "Newchannel", "Queue": "q1"})  # not a queue event: nothing announced
    snapshot = queue_board.read(str(tmp_path))
    assert snapshot["callers"]["q1"] == {}
    assert snapshot["figures"]["q1"]["answered"] == 1 and snapshot["figures"]["q1"]["answered_in_sl"] == 0
    assert snapshot["agent_calls"] == {"701": 1}
    assert [kind for kind, _ in published] == ["queue.updated"] * 4
