"""A site time zone changed after the first setup reaches the running Asterisk (decision 041): the day
international minutes are counted in follows it, by a narrow files-only sync, without a restart."""
import pytest

from appliance import phone_numbers
from appliance.asterisk.confgen.outbound import route_context
from appliance.services import Actor, engine_sync, outbound_routes, site, trunks
from tests.engine.sipp import free_port
from tests.pbx import installation
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")


def test_a_new_site_time_zone_reaches_the_running_dialplan(tmp_path):
    with installation(tmp_path) as (conf, engine):
        engine_sync.configure_from_settings(conf)  # as every process does: the compile reads conf's zone
        try:
            trunk = trunks.save_trunk(trunks.TrunkInput(name="Carrier", host="127.0.0.2", kind="ip", port=free_port(),
                                                        qualify_seconds=0), ADMIN)
            route = outbound_routes.save_route(outbound_routes.RouteInput("Mundo", "international", [
                outbound_routes.PatternInput("00ZXZ.", 2, "+")], [trunk.id]), ADMIN)
            context = route_context(route.id)

            def dialplan():
                return engine.cli(f"dialplan show {context}")
            assert wait_for(lambda: "America/Sao_Paulo" in dialplan(), timeout=20), dialplan()
            pid = engine.pid
            site.change_site(site.SiteInput("Asia/Tokyo", "JP", "en"), ADMIN, conf)
            assert wait_for(lambda: "STRFTIME(${EPOCH},Asia/Tokyo,%Y%m%d)" in dialplan(), timeout=20), dialplan()
            assert "America/Sao_Paulo" not in dialplan()
            assert engine.pid == pid  # reloaded, not restarted
        finally:
            phone_numbers.set_region("BR")
