"""Business hours with real SIP: a carrier calls a DID routed to a schedule compiled around the engine's clock.

Each state (open, closed, holiday, event) sends the call to its own extension; only that extension's
phone is registered, so a call reaching any other fails. The override feature code, dialled from an
allowed extension's phone, flips the next call; an override whose time has passed is not honoured by
the dialplan even while AstDB still holds it (before the daemon's job clears it).
"""
import datetime
import zoneinfo

import pytest

from appliance import daemon
from appliance.asterisk import control
from appliance.asterisk.ami import AmiEvents, AmiSettings
from appliance.asterisk.confgen.schedules import OVERRIDE_FAMILY
from appliance.models.schedules import Schedule
from appliance.services import Actor, inbound_routes, schedule_override, schedules, trunks
from tests.engine.sipp import Sipp
from tests.pbx import extension_with_password
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")
CARRIER = "127.0.0.63"
OPEN, CLOSED, HOLIDAY, EVENT = "461", "462", "463", "464"


def _zone():
    """America/Sao_Paulo unless its clock is within minutes of midnight (a shift would cross it): then Tokyo."""
    now = datetime.datetime.now(zoneinfo.ZoneInfo("America/Sao_Paulo"))
    minute = now.hour * 60 + now.minute
    return "America/Sao_Paulo" if 10 <= minute <= 1430 else "Asia/Tokyo"


@pytest.fixture(scope="module")
def trunk(pbx):
    """An IP trunk for the carrier, and one extension per destination."""
    for number, name in ((OPEN, "Aberto"), (CLOSED, "Fechado"), (HOLIDAY, "Feriado"), (EVENT, "Evento"),
                         ("465", "Recepção"), ("466", "Visitante")):
        extension_with_password(number, name)
    return trunks.save_trunk(trunks.TrunkInput(name="Carrier H", host=CARRIER, kind="ip", match=CARRIER,
                                               qualify_seconds=0, area_code="11"), ADMIN)


@pytest.fixture
def carrier(pbx, trunk, tmp_path):
    """SIPp playing the carrier, from the trunk's address."""
    return Sipp(pbx.settings.sip_port, workdir=tmp_path / "carrier", local_host=CARRIER)


@pytest.fixture
def phones(pbx, tmp_path):
    """SIPp playing the extensions' phones."""
    return Sipp(pbx.settings.sip_port, workdir=tmp_path / "phones")


def _schedule(name, did, *, open_now=True, today_is_holiday=False, event_now=False, allowed=""):
    """Compile a schedule around now: open now (a shift around this minute) or closed (shifts only on
    another weekday); today a custom holiday; an event running now; route ``did`` to it."""
    zone = _zone()
    now = datetime.datetime.now(zoneinfo.ZoneInfo(zone))
    minute = now.hour * 60 + now.minute
    weekday = now.weekday() if open_now else (now.weekday() + 3) % 7
    start, end = max(0, minute - 5), min(1440, minute + 5)
    shifts = {weekday: f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"}
    dates = f"{now:%Y-%m-%d} Dia da empresa" if today_is_holiday else ""
    existing = Schedule.get_or_none(Schedule.name == name)
    schedule = schedules.save_schedule(schedules.ScheduleInput(
        name=name, timezone=zone, country="BR", subdivision="SP", open_destination=f"extension:{OPEN}",
        closed_destination=f"extension:{CLOSED}", holiday_destination=f"extension:{HOLIDAY}", shifts=shifts,
        custom_dates=dates, override_extensions=allowed), ADMIN, schedule_id=existing.id if existing else None)
    if event_now:
        local = now.replace(tzinfo=None)
        schedules.add_event(schedule.id, schedules.EventInput(
            "Inventário", (local - datetime.timedelta(minutes=10)).isoformat(timespec="minutes"),
            (local + datetime.timedelta(minutes=10)).isoformat(timespec="minutes"), f"extension:{EVENT}"), ADMIN)
    inbound_routes.save_route(inbound_routes.InboundRouteInput(did=did, destination=f"schedule:{schedule.id}"),
                              ADMIN)
    return schedule


def _lands_on(carrier, phones, did, number):
    _, password = extension_with_password(number, "")
    with phones.uas(number, password) as phone:
        call = carrier.carrier_call(did, "+5511977770000")
        answered = phone.wait()
    assert call.ok, str(call)
    assert answered.received_requests("INVITE")[0].startswith(f"INVITE sip:{number}@")


def test_open_now_lands_on_the_open_destination(pbx, carrier, phones):
    _schedule("Suporte aberto", "+551130002001", open_now=True)
    _lands_on(carrier, phones, "+551130002001", OPEN)


def test_closed_now_lands_on_the_closed_destination(pbx, carrier, phones):
    _schedule("Suporte fechado", "+551130002002", open_now=False)
    _lands_on(carrier, phones, "+551130002002", CLOSED)


def test_a_holiday_today_wins_over_the_shifts(pbx, carrier, phones):
    _schedule("Suporte feriado", "+551130002003", open_now=True, today_is_holiday=True)
    _lands_on(carrier, phones, "+551130002003", HOLIDAY)


def test_an_event_now_sends_calls_to_its_own_destination(pbx, carrier, phones):
    _schedule("Suporte evento", "+551130002004", open_now=True, event_now=True)
    _lands_on(carrier, phones, "+551130002004", EVENT)


@pytest.fixture
def events(pbx):
    """The daemon's event handler on the module's PBX (mirrors a phone's override into the database)."""
    listener = AmiEvents(AmiSettings.for_engine(pbx.settings), on_event=daemon.on_engine_event).start()
    assert listener.wait_connected(10)
    try:
        yield listener
    finally:
        listener.stop()


def test_the_override_code_flips_the_next_call_and_only_for_allowed_extensions(pbx, carrier, phones, events):
    schedule = _schedule("Vendas", "+551130002005", open_now=True, allowed="465")
    _lands_on(carrier, phones, "+551130002005", OPEN)

    _, visitor = extension_with_password("466", "Visitante")
    refused = phones.call("466", visitor, f"*612{schedule.id}", expect_status=403)
    assert refused.ok, str(refused)
    _lands_on(carrier, phones, "+551130002005", OPEN)

    _, reception = extension_with_password("465", "Recepção")
    night = phones.call("465", reception, f"*612{schedule.id}", hold_seconds=0.2)
    assert night.ok, str(night)
    _lands_on(carrier, phones, "+551130002005", CLOSED)
    # The daemon heard the feature code: the page shows who set it.
    assert wait_for(lambda: Schedule.get_by_id(schedule.id).override_mode == "closed", timeout=5)
    assert Schedule.get_by_id(schedule.id).override_by == "465"

    back = phones.call("465", reception, f"*610{schedule.id}", hold_seconds=0.2)
    assert back.ok, str(back)
    _lands_on(carrier, phones, "+551130002005", OPEN)
    assert wait_for(lambda: Schedule.get_by_id(schedule.id).override_mode == "", timeout=5)


def test_the_page_override_holds_and_an_expired_one_is_not_honoured(pbx, carrier, phones):
    schedule = _schedule("Financeiro", "+551130002006", open_now=True)
    now = datetime.datetime.now(datetime.UTC)
    assert schedule_override.set_override(schedule.id, "holiday", ADMIN, until=now + datetime.timedelta(hours=1))
    _lands_on(carrier, phones, "+551130002006", HOLIDAY)

    # AstDB still holds a night override whose time has passed (the daemon's job has not run yet).
    past = int(now.timestamp()) - 60
    control.current().put_schedule_overrides(OVERRIDE_FAMILY, {f"{schedule.id}/mode": "closed",
                                                               f"{schedule.id}/until": str(past)})
    _lands_on(carrier, phones, "+551130002006", OPEN)

    schedule_override.set_override(schedule.id, "", ADMIN)
    _lands_on(carrier, phones, "+551130002006", OPEN)
