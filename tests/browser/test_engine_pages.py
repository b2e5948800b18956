"""The admin makes extensions in the browser; phones use the page's credentials on the real Asterisk."""
import re

import pytest
from playwright.sync_api import expect

from appliance.watcher import Watcher
from tests.browser.conftest import open_page
from tests.browser.test_admin_flow import _login
from tests.engine.sipp import Sipp
from tests.pbx import driven_engine
from tests.waiting import wait_for

pytestmark = pytest.mark.engine


@pytest.fixture
def engine(app):
    """A real Asterisk following the app's database, watched as the daemon would."""
    with driven_engine() as engine:
        watcher = Watcher(engine, app.config["VAR_DIR"]).start()
        try:
            yield engine
        finally:
            watcher.stop()


def _create_extension(page, base, number, name):
    page.goto(f"{base}/telephony/extensions/new")
    page.locator("#number").fill(number)
    page.locator("#name").fill(name)
    page.get_by_role("button", name="Create extension").click()
    expect(page.locator("#flashes")).to_contain_text(f"Extension {number} created.")
    return page.locator("#sip-password").inner_text()


def test_extensions_from_the_page_register_call_and_show_on_the_system_page(page, live_server, engine, tmp_path):
    _login(page, live_server)
    ana = _create_extension(page, live_server, "501", "Ana")
    bruno = _create_extension(page, live_server, "502", "Bruno")
    sipp = Sipp(engine.settings.sip_port, workdir=tmp_path)

    with sipp.uas("502", bruno) as uas:
        call = sipp.call("501", ana, "502", hold_seconds=0.5)
        answered = uas.wait()
    assert call.ok, str(call)
    assert answered.received_requests("INVITE")

    assert sipp.register("501", ana).ok
    open_page(page, "System", "Status")
    expect(page.locator("#engine-healthy")).to_be_visible()
    expect(page.locator("#engine-version")).to_have_text(re.compile(r"^22\."))
    expect(page.locator("#engine-contacts")).to_have_text("1")  # htmx polls until the daemon's view has it
    expect(page.locator("#engine-generation")).to_have_text(re.compile(r"^\d+$"))

    open_page(page, "Telephony", "Extensions")
    page.get_by_role("link", name="501").click()
    expect(page.locator("dl.device")).to_contain_text(f"127.0.0.1:{engine.settings.sip_port}")
    # The page shows the daemon's snapshot as it was when rendered (refreshed every 2 s at most): a
    # person reloads it, and so does the test, for a bounded time.
    assert wait_for(lambda: page.reload() or "Not registered" not in page.locator("dl.device").inner_text(),
                    timeout=10), page.locator("dl.device").inner_text()
