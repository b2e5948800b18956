"""Call costs pages: a trunk's rates in and out as CSV (each wrong row named), cost centers, the monthly
report with its chart and CSV; admins only."""
import datetime
import io

import pytest

from appliance.models.call_history import CallRecord
from appliance.models.cost_centers import CostCenter
from appliance.models.outbound import OutboundRoute, RoutePattern
from appliance.models.rates import Rate
from appliance.models.trunks import Trunk
from appliance.services import Actor, extensions, rates
from tests.conftest import make_person

NOW = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
MONTH = f"{NOW.year:04d}-{NOW.month:02d}"


@pytest.fixture
def trunk(app):
    return Trunk.create(name="Operadora", host="198.51.100.10", kind="ip")


def _upload(client, auth, trunk, text):
    token = auth.token(f"/telephony/trunks/{trunk.id}/rates")
    return client.post(f"/telephony/trunks/{trunk.id}/rates", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "rates.csv")})


def test_a_rates_file_with_errors_names_each_row_and_changes_nothing(auth, client, trunk):
    auth.login()
    Rate.create(trunk=trunk, prefix="+55", price_per_minute=1000)
    answer = _upload(client, auth, trunk, "prefix;price_per_minute\n+5511;0,12\nxx;0,1\n+5521;abc\n")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "<td>3</td><td>prefix</td>" in page and "<td>4</td><td>price_per_minute</td>" in page
    assert [r.prefix for r in Rate.select()] == ["+55"]

    assert _upload(client, auth, trunk, "prefix;price_per_minute\n+5511;0,12\n").status_code == 302
    exported = client.get(f"/telephony/trunks/{trunk.id}/rates.csv").get_data(as_text=True)
    assert exported.splitlines()[1] == "+5511,,0.1200,0.0000,30,6"


def test_the_report_shows_each_center_with_a_chart_and_a_csv(auth, client, trunk):
    auth.login()
    route = OutboundRoute.create(name="Nacional", permission_class="national")
    RoutePattern.create(route=route, pattern="0ZZ[2-9]XXXXXXX", strip=1, prepend="+55")
    rates.import_csv(trunk.id, b"prefix,price_per_minute,minimum_seconds,increment_seconds\n+55,0.60,60,60\n",
                     Actor.system("test"))
    extensions.create(extensions.ExtensionInput("201", "Ana"), Actor.system("test"))
    token = auth.token("/telephony/cost-centers/new")
    answer = client.post("/telephony/cost-centers/new", data={
        "csrf_token": token, "name": "Vendas", "monthly_budget": "100,00", "alert_email": "chefe@example.com",
        "extensions": "201"})
    assert answer.status_code == 302
    assert CostCenter.get().monthly_budget_cents == 10000
    CallRecord.create(calldate=NOW, src="201", dst="01133334444", dcontext=f"cn-route-{route.id}-dial",
                      dstchannel=f"PJSIP/trunk_{trunk.id}-00000001", billsec=90, disposition="ANSWERED",
                      uniqueid="u1", linkedid="u1", sequence=1)
    rates.price_new()

    page = client.get(f"/telephony/costs?month={MONTH}").get_data(as_text=True)
    assert "cost-chart" in page and "chart.umd.min.js" in page
    assert "<td>Vendas</td><td>1</td><td>2.0</td>" in page
    csv_text = client.get(f"/telephony/costs.csv?month={MONTH}&group=extension").get_data(as_text=True)
    assert csv_text.splitlines()[1] == "201,1,120,1.20"


def test_a_bad_cost_center_is_refused_next_to_its_field(auth, client, app):
    auth.login()
    token = auth.token("/telephony/cost-centers/new")
    answer = client.post("/telephony/cost-centers/new", data={
        "csrf_token": token, "name": "Vendas", "monthly_budget": "abc", "extensions": "999"})
    assert answer.status_code == 422 and not CostCenter.select().exists()
    assert "999" in answer.get_data(as_text=True)


def test_people_who_are_not_admins_cannot_see_costs(auth, client, app):
    make_person("maria", "201")
    auth.login("maria", "Blue-Lantern-Pass-77")
    assert client.get("/telephony/costs").status_code in (403, 404)
