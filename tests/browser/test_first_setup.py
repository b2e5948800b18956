"""The first login in a real browser: the generated password leads to the setup page, then the new one works."""
from pathlib import Path

from playwright.sync_api import expect

from appliance import phone_numbers
from appliance.models.users import User
from appliance.services import Actor, users

FIRST = "Gen3rated-First-Pass"
NEW = "My-Own-Secret-Pass-9"


def _login(page, base, password):
    page.goto(f"{base}/login")
    page.locator("input[name=username]").fill("admin")
    page.locator("input[name=password]").fill(password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()


def test_first_login_sets_password_zone_and_country(page, live_server, app):
    users.set_password(User.get(User.username == "admin").id, FIRST, Actor.system("test"))
    (Path(app.config["VAR_DIR"]) / "first-admin-password").write_text(FIRST + "\n")
    try:
        page.goto(f"{live_server}/login")
        expect(page.locator(".notice")).to_contain_text("console")
        _login(page, live_server, FIRST)
        expect(page).to_have_url(f"{live_server}/setup")
        page.goto(f"{live_server}/admin/users")  # anything else leads back to the setup
        expect(page).to_have_url(f"{live_server}/setup")
        page.get_by_label("New password", exact=True).fill(NEW)
        page.get_by_label("Repeat the new password").fill(NEW)
        page.get_by_label("Time zone").select_option("America/Manaus")
        page.get_by_label("Country of the company").select_option("BR")
        page.get_by_role("button", name="Save and log in again").click()
        expect(page.locator("#flashes")).to_contain_text("Setup saved")
        expect(page.locator(".notice")).to_have_count(0)
        _login(page, live_server, NEW)
        page.goto(f"{live_server}/admin/users")
        expect(page).to_have_url(f"{live_server}/admin/users")
    finally:
        phone_numbers.set_region("BR")
