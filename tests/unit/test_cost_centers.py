"""Cost centers: calls charged to the extension's (or user's, or trunk's) center, the monthly report from roll-ups
that match the call costs, and budget alerts mailed once at 80 % and once at 100 %."""
import datetime

import pytest
from peewee import fn

from appliance.models.call_history import CallRecord
from appliance.models.cost_centers import BudgetAlert, CostRollup
from appliance.models.extensions import Extension
from appliance.models.outbound import OutboundRoute, RoutePattern
from appliance.models.rates import CallCost
from appliance.models.trunks import Trunk
from appliance.services import Actor, cost_centers, extensions, mail, rates
from tests.smtp import SmtpServer

ADMIN = Actor.system("test")
T0 = datetime.datetime(2026, 11, 20, 15, 0, 0)
_ids = iter(range(1, 10_000))


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def setup(database):
    trunk = Trunk.create(name="Operadora", host="198.51.100.10", kind="ip")
    route = OutboundRoute.create(name="Nacional", permission_class="national")
    RoutePattern.create(route=route, pattern="0ZZ[2-9]XXXXXXX", strip=1, prepend="+55")
    # R$ 0.60 per minute, 60/60: a minute costs 60 cents.
    rates.import_csv(trunk.id, b"prefix,price_per_minute,minimum_seconds,increment_seconds\n+55,0.60,60,60\n", ADMIN)
    for number in ("201", "202", "203"):
        extensions.create(extensions.ExtensionInput(number, f"Ramal {number}"), ADMIN)
    sales = cost_centers.save_center("Vendas", 1000, "chefe@example.com",
                                     [("extension", Extension.get(Extension.number == "201").id)], ADMIN)
    support = cost_centers.save_center("Suporte", 0, "", [("trunk", trunk.id)], ADMIN)
    return trunk, route, sales, support


def _call(trunk, route, src, seconds, when=T0):
    n = next(_ids)
    return CallRecord.create(calldate=when, src=src, dst="01133334444", dcontext=f"cn-route-{route.id}-dial",
                             dstchannel=f"PJSIP/trunk_{trunk.id}-{n:08x}", billsec=seconds, disposition="ANSWERED",
                             uniqueid=f"u{n}", linkedid=f"u{n}", sequence=n)


def test_calls_go_to_the_extensions_center_else_the_trunks_and_the_report_matches_the_costs(setup):
    trunk, route, sales, support = setup
    _call(trunk, route, "201", 60)
    _call(trunk, route, "201", 61)   # 2 minutes
    _call(trunk, route, "202", 30)   # no center of its own: the trunk's
    rates.price_new()
    assert cost_centers.report("2026-11") == [(sales.id, 2, 180, 180), (support.id, 1, 60, 60)]
    assert cost_centers.report("2026-11", "extension", center_id=sales.id) == [("201", 2, 180, 180)]
    assert cost_centers.report("2026-11", "class") == [("national", 3, 240, 240)]
    # The roll-ups are the call costs summed, and stay so when the month is re-priced.
    total = CallCost.select(fn.SUM(CallCost.cost_cents)).scalar()
    assert CostRollup.select(fn.SUM(CostRollup.cost_cents)).scalar() == total == 240
    rates.reprice(T0 - datetime.timedelta(days=1), T0 + datetime.timedelta(days=1), ADMIN)
    assert CostRollup.select(fn.SUM(CostRollup.cost_cents)).scalar() == 240


def test_budget_alerts_go_once_at_80_and_once_at_100_percent(setup, smtp):
    mail.save_settings(mail.MailSettingsInput("127.0.0.1", smtp.port, "none", "", "", "pbx@example.com"), ADMIN)
    trunk, route, sales, _ = setup  # budget R$ 10.00
    for _ in range(13):
        _call(trunk, route, "201", 60)  # R$ 7.80: under 80 %
    rates.price_new()
    assert cost_centers.check_budgets(now=T0) == 0
    _call(trunk, route, "201", 60)  # R$ 8.40: 84 %
    rates.price_new()
    assert cost_centers.check_budgets(now=T0) == 1
    assert cost_centers.check_budgets(now=T0) == 0  # once a month
    for _ in range(3):
        _call(trunk, route, "201", 60)  # R$ 10.20
    rates.price_new()
    assert cost_centers.check_budgets(now=T0) == 1
    subjects = [message["Subject"] for _, _, message in smtp.messages]
    assert subjects == ["O centro de custo Vendas atingiu 80% do orçamento",
                        "O centro de custo Vendas atingiu 100% do orçamento"]
    assert [a.level for a in BudgetAlert.select().order_by(BudgetAlert.level)] == [80, 100]
