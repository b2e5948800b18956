"""Rates: 30/6 billing priced to the cent as by hand, CSV in and out with per-row errors, pricing from call records."""
import datetime

import pytest

from appliance.errors import ImportRejected
from appliance.models.call_history import CallRecord
from appliance.models.outbound import OutboundRoute, RoutePattern
from appliance.models.rates import CallCost, Rate
from appliance.models.trunks import Trunk
from appliance.services import Actor, rates

ADMIN = Actor.system("test")
T0 = datetime.datetime(2026, 11, 20, 15, 0, 0)


@pytest.mark.parametrize(("talked", "billed"), [(0, 0), (1, 30), (30, 30), (31, 36), (36, 36), (37, 42), (47, 48),
                                                (61, 66), (600, 600)])
def test_30_6_bills_the_first_30_seconds_then_blocks_of_6(talked, billed):
    assert rates.billed_seconds(talked, 30, 6) == billed


@pytest.mark.parametrize(("text", "units"), [("0,12", 1200), ("0.085", 850), ("R$ 1.234,5", 12_345_000),
                                             ("0", 0), ("-1", None), ("0,00001", None), ("abc", None), ("", None)])
def test_money_is_read_exactly_never_as_a_float(text, units):
    assert rates.parse_money(text) == units


def _trunk():
    return Trunk.create(name="Operadora", host="198.51.100.10", kind="ip")


def _record(trunk, dialled, billsec, route, disposition="ANSWERED", n=1):
    return CallRecord.create(calldate=T0, src="201", dst=dialled, dcontext=f"cn-route-{route.id}-dial",
                             channel=f"PJSIP/201-{n:08x}", dstchannel=f"PJSIP/trunk_{trunk.id}-{n:08x}",
                             lastapp="Dial", duration=billsec + 5, billsec=billsec, disposition=disposition,
                             uniqueid=f"u{n}", linkedid=f"u{n}", sequence=n)


def test_a_priced_call_record_equals_the_hand_computed_price(database):
    trunk = _trunk()
    route = OutboundRoute.create(name="Nacional", permission_class="mobile")
    RoutePattern.create(route=route, pattern="0ZZ9XXXXXXXX", strip=1, prepend="+55")
    RoutePattern.create(route=route, pattern="0ZZ[2-5]XXXXXXX", strip=1, prepend="+55", position=1)
    table = ("prefix;description;price_per_minute;connection_fee;minimum_seconds;increment_seconds\n"
             "+55;Brasil;0,10;0;30;6\n+55119;SP celular;0,4790;0,0350;30;6\n")
    rates.import_csv(trunk.id, table.encode(), ADMIN)
    # 02 SIP: 47 s talked to a São Paulo mobile -> 30 + 3 blocks of 6 = 48 s billed.
    # By hand: 0.0350 + 0.4790 * 48 / 60 = 0.0350 + 0.3832 = 0.4182 -> R$ 0.42 (42 cents).
    mobile = _record(trunk, "011987654321", 47, route, n=1)
    # 10 s to a landline (+55 rate): 30 s billed, 0.10 * 30 / 60 = 0.05 -> 5 cents. Unanswered: nothing.
    landline = _record(trunk, "01133334444", 10, route, n=2)
    missed = _record(trunk, "011987654321", 0, route, disposition="NO ANSWER", n=3)
    internal = CallRecord.create(calldate=T0, src="201", dst="202", dstchannel="PJSIP/202-00000004",
                                 billsec=60, disposition="ANSWERED", uniqueid="u4", linkedid="u4", sequence=4)

    assert rates.price_new() == 4
    cost = CallCost.get(CallCost.record == mobile)
    assert (cost.number, cost.billed_seconds, cost.cost_cents) == ("+5511987654321", 48, 42)
    assert cost.destination_class == "mobile" and cost.extension == "201" and cost.rate.prefix == "+55119"
    assert CallCost.get(CallCost.record == landline).cost_cents == 5
    assert CallCost.get(CallCost.record == missed).cost_cents == 0
    assert not CallCost.select().where(CallCost.record == internal).exists()
    assert rates.price_new() == 0  # the cursor moved: nothing priced twice

    # A new table, re-priced on request.
    rates.import_csv(trunk.id, b"prefix,price_per_minute,minimum_seconds,increment_seconds\n+55,0.60,60,60\n", ADMIN)
    assert rates.reprice(T0, T0 + datetime.timedelta(days=1), ADMIN) == 3
    assert CallCost.get(CallCost.record == mobile).cost_cents == 60  # 60 s at 0.60


def test_a_csv_with_errors_names_each_row_and_field_and_changes_nothing(database):
    trunk = _trunk()
    Rate.create(trunk=trunk, prefix="+55", price_per_minute=1000)
    bad = (b"prefix;price_per_minute;minimum_seconds;increment_seconds\n+55;0,10;30;6\nabc;0,10;30;6\n"
           b"+5511;-3;30;0\n+55;0,2;30;6\n")
    with pytest.raises(ImportRejected) as rejected:
        rates.import_csv(trunk.id, bad, ADMIN)
    assert {(e.row, e.field) for e in rejected.value.errors} == {
        (3, "prefix"), (4, "price_per_minute"), (4, "increment_seconds"), (5, "prefix")}
    assert [r.prefix for r in Rate.select()] == ["+55"]


def test_export_reads_back_as_the_same_table(database):
    trunk = _trunk()
    rates.import_csv(trunk.id, b"prefix,description,price_per_minute,connection_fee\n+5511,SP,0.0850,0.01\n", ADMIN)
    text = rates.export_csv(trunk.id)
    assert text.splitlines()[1] == "+5511,SP,0.0850,0.0100,30,6"
    assert rates.import_csv(trunk.id, text.encode(), ADMIN) == 1
