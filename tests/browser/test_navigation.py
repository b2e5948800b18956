"""The menu groups pages by area, fits a laptop's width on one line and a phone's without sideways scrolling."""
import pytest

from tests.conftest import ADMIN_PASSWORD


def _login(page, live_server, width, height):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/panel/account")


def test_an_admin_finds_each_area_and_sees_where_they_are(page, live_server, tmp_path):
    _login(page, live_server, 1366, 768)
    summaries = page.locator("nav ul.menu > li > details > summary")
    assert summaries.all_inner_texts() == ["My extension", "Call center", "Telephony", "System"]
    # One line on a 1366 px laptop: every area's title sits at the same height.
    tops = {round(box["y"]) for box in (summary.bounding_box() for summary in summaries.all())}
    assert len(tops) == 1
    page.screenshot(path=str(tmp_path / "menu-1366.png"))

    page.click("text=Telephony")
    page.click("nav >> text=Extensions")
    page.wait_for_url("**/telephony/extensions")
    assert page.locator('summary[aria-current="true"]').inner_text() == "Telephony"
    page.click("text=Telephony")
    assert page.locator('nav a[aria-current="page"]').inner_text() == "Extensions"


@pytest.mark.parametrize("width", [390])
def test_on_a_phone_every_area_is_reachable_without_sideways_scrolling(page, live_server, width, tmp_path):
    _login(page, live_server, width, 844)
    page.click("text=System")
    page.screenshot(path=str(tmp_path / f"menu-{width}.png"))
    assert page.locator("nav >> text=Audit log").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
