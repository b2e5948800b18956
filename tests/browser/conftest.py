"""A live app on a loopback port and Debian's chromium driven by Playwright (nothing downloaded)."""
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags chromium keeps dialling Google's hosts,
# which this closed network refuses (env notes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(app):
    """Serve ``app`` on a free 127.0.0.1 port in a thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def playwright():
    """Playwright's driver for the session (one per process: the sync API does not nest)."""
    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright):
    """One headless chromium for the session."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser context (own cookies) and page."""
    context = browser.new_context(locale="pt-BR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def open_page(page, section, label):
    """Open ``label`` from the menu as a person does: its area's dropdown first, then the page."""
    page.locator("nav ul.menu summary", has_text=section).click()
    page.locator("nav ul.menu").get_by_role("link", name=label, exact=True).click()
