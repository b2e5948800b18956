"""Callbacks' life without Asterisk: attempts start when due, outcomes move them on, retries end in failure."""
import datetime

import pytest

from appliance import destinations
from appliance.asterisk.confgen import EngineInput, render_all
from appliance.models.callbacks import Callback
from appliance.models.users import utcnow
from appliance.services import Actor, callbacks, extensions, schedules
from tests.pbx import engine_settings

SYSTEM = Actor.system("test")


@pytest.fixture
def ana(app, engine_control):
    extension, _ = extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    extensions.update(extension.id, extensions.ExtensionChanges("Ana", True, external_callerid="+55 11 4000-4001"),
                      SYSTEM)
    return engine_control


def _request(**fields):
    data = callbacks.CallbackInput(**{"number": "01133334444", "agent": "201", "reason": "Boleto", **fields})
    return callbacks.request(data, SYSTEM)


def _row(row):
    return Callback.get_by_id(row.id)


def test_a_due_callback_rings_the_agent_with_the_customer_and_reason_as_caller(ana):
    row = _request(retry_seconds=60)
    assert callbacks.run_due() == 1
    name, kind, number, customer, caller_id, variables = ana.calls[-1]
    assert (name, kind, number, customer, caller_id) == ("call_back", "extension", "201", "01133334444",
                                                         '"Boleto" <01133334444>')
    assert variables["CB_ID"] == row.id and variables["CB_EXT"] == "201" and variables["CB_TAG"] == "+551140004001"
    assert variables["CB_CONTEXT"].startswith("cn-profile-")
    assert (_row(row).status, _row(row).attempts, _row(row).action_id) == ("calling", 1, "action-1")
    assert callbacks.run_due() == 0  # not started twice


def test_busy_customer_is_tried_again_after_the_spacing_then_fails_with_why(ana):
    row = _request(max_attempts=2, retry_seconds=60)
    callbacks.run_due()
    callbacks.on_originate_response("action-1", "Success", "4")
    assert _row(row).last_result == "agent_answered"
    callbacks.on_result(str(row.id), "BUSY")
    retried = _row(row)
    assert (retried.status, retried.last_result) == ("pending", "busy")
    assert retried.due_at > utcnow() + datetime.timedelta(seconds=50)
    assert callbacks.run_due() == 0
    assert callbacks.run_due(now=utcnow() + datetime.timedelta(seconds=61)) == 1
    callbacks.on_result(str(row.id), "NOANSWER")
    failed = _row(row)
    assert (failed.status, failed.failure, failed.attempts) == ("failed", "no_answer", 2)


def test_an_answered_customer_makes_it_done(ana):
    row = _request()
    callbacks.run_due()
    callbacks.on_result(str(row.id), "ANSWER")
    assert (_row(row).status, _row(row).last_result) == ("done", "answered")


def test_a_busy_agent_counts_as_an_attempt(ana):
    row = _request(max_attempts=1)
    callbacks.run_due()
    callbacks.on_originate_response("action-1", "Failure", "5")
    assert (_row(row).status, _row(row).failure) == ("failed", "agent_busy")


def test_a_stopped_engine_leaves_the_callback_pending_without_spending_an_attempt(ana):
    ana.fail = True
    row = _request()
    assert callbacks.run_due() == 0
    assert (_row(row).status, _row(row).attempts, _row(row).last_result) == ("pending", 0, "engine_down")


def test_an_attempt_whose_outcome_was_lost_is_retried(ana):
    row = _request()
    callbacks.run_due()
    assert callbacks.recover(now=utcnow() + datetime.timedelta(minutes=5)) == 1
    assert (_row(row).status, _row(row).last_result) == ("pending", "lost")


def test_events_for_unknown_or_ended_callbacks_change_nothing(ana):
    row = _request()
    callbacks.on_result("999", "ANSWER")
    callbacks.on_result("1; DROP", "ANSWER")
    callbacks.on_originate_response("nope", "Failure", "5")
    assert _row(row).status == "pending"


def test_outside_business_hours_the_callback_waits_for_the_opening(ana):
    schedule = schedules.save_schedule(schedules.ScheduleInput(
        name="Suporte", timezone="UTC", country="", shifts={day: "09:00-10:00" for day in range(7)}), SYSTEM)
    row = _request(schedule_id=schedule.id)
    now = datetime.datetime(2031, 3, 4, 12, 0)  # 12:00 UTC, closed since 10:00
    assert callbacks.run_due(now=now) == 0
    assert _row(row).due_at == datetime.datetime(2031, 3, 5, 9, 0)
    assert callbacks.run_due(now=datetime.datetime(2031, 3, 5, 9, 0, 5)) == 1


def test_a_callback_from_the_offer_keeps_the_queue_place_only_for_a_queue(ana):
    row = callbacks.request_from_engine("11987650000", "201", position="3")
    assert (row.source, row.position, row.agent) == ("ivr", 0, "extension:201")
    assert callbacks.request_from_engine("1;Hangup", "201") is None


def test_the_offer_destination_needs_an_extension_or_queue(ana):
    offer = destinations.parse("callback:201")
    assert offer.exists() and offer.dialplan() == "Goto(cn-callback-offer,201,1)"
    assert not destinations.parse("callback:999").exists()
    with pytest.raises(ValueError):
        destinations.parse("callback:20a")


def test_callback_contexts_compile():
    files = render_all(EngineInput(engine_settings()))
    text = files["extensions.conf"]
    assert "[cn-callback-dial]" in text and "UserEvent(CentralinaCallback,Id: ${CB_ID},Status: ${DIALSTATUS})" in text


def test_the_offer_refuses_numbers_abroad_premium_and_repeated_requests(ana):
    assert callbacks.request_from_engine("0014155550100", "201") is None
    assert callbacks.request_from_engine("09001234567", "201") is None
    assert callbacks.request_from_engine("11987650000", "201") is not None
    assert callbacks.request_from_engine("11987650000", "201") is None  # one open already
    assert Callback.select().count() == 1
