"""An administrator's first steps in a real browser."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import open_page
from tests.conftest import ADMIN_PASSWORD


def _login(page, base, username="admin", password=ADMIN_PASSWORD):
    page.goto(f"{base}/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()


def test_admin_switches_language_creates_a_user_and_finds_it_in_the_audit_log(page, live_server):
    page.goto(f"{live_server}/login")
    expect(page.locator("h1")).to_have_text("Entrar")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Log in")

    _login(page, live_server)
    open_page(page, "System", "Users")
    page.get_by_role("button", name="New user").or_(page.get_by_role("link", name="New user")).click()
    page.get_by_label("User name").fill("fernanda")
    page.get_by_label("Initial password").fill("Strong-Pass-77")
    page.get_by_label("Full name").fill("Fernanda Lima")
    page.get_by_label("Role").select_option("supervisor")
    page.get_by_role("button", name="Create user").click()
    expect(page.locator("#flashes")).to_contain_text("User fernanda created.")

    open_page(page, "System", "Users")
    page.get_by_placeholder("Search by name").fill("fern")
    expect(page.locator("#user-rows tr")).to_have_count(1)
    expect(page.locator("#user-rows")).to_contain_text("Fernanda Lima")

    open_page(page, "System", "Audit log")
    page.get_by_label("Action").select_option("user.create")
    row = page.locator("#audit-rows tr", has_text="fernanda")
    expect(row).to_contain_text("admin")
    expect(row).to_contain_text("supervisor")


def test_reset_password_in_place_with_htmx(page, live_server):
    _login(page, live_server)
    page.goto(f"{live_server}/admin/users")
    page.get_by_role("link", name="admin").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Reset password").click()
    expect(page.locator("#new-password")).to_have_text(re.compile(r"^\S{16}$"))


def test_idle_session_logs_the_user_out(app, page, live_server):
    app.config["SESSION_IDLE_MINUTES"] = 0.02  # 1.2 s
    _login(page, live_server)
    expect(page.locator("nav ul.menu summary", has_text="System")).to_be_visible()
    page.wait_for_timeout(2000)
    open_page(page, "System", "Users")
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("#flashes")).to_contain_text("Your session expired")
