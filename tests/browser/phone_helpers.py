"""The browser phone in a real chromium with fake media, against a real Asterisk (issue 16)."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_admin_flow import _login
from tests.conftest import PERSON_PASSWORD

#: Fake microphone and camera, no permission prompt, and WebRTC allowed to gather 127.0.0.1
#: candidates (notes/webrtc.md section 7).
PHONE_ARGS = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
              "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="module")
def phone_browser(playwright):
    """A chromium whose pages may use a (fake) microphone."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=PHONE_ARGS)
    yield browser
    browser.close()


class BrowserPhone:
    """One person's phone window, logged in through the real login form."""

    def __init__(self, browser, base, username, password=PERSON_PASSWORD):
        self.context = browser.new_context(locale="en")
        self.context.set_default_timeout(15_000)
        # The Notification API as a recorder: what the phone would show a person whose window is behind.
        self.context.add_init_script("""
            window.shownNotifications = [];
            window.Notification = class {
              static permission = 'granted';
              static requestPermission() { return Promise.resolve('granted'); }
              constructor(title, options) { window.shownNotifications.push({ title, body: options.body }); }
              close() {}
            };""")
        page = self.context.new_page()
        _login(page, base, username, password)
        expect(page.locator("nav ul.menu")).to_be_visible()
        page.on("pageerror", lambda error: print("page error:", error))  # shown with a failing test's output
        page.goto(f"{base}/panel/phone?loopback=1")
        self.page = page

    def wait(self, expression, timeout=15_000):
        """Wait until the JS ``expression`` (about window.phoneState) is truthy; return its value."""
        return self.page.wait_for_function(expression, timeout=timeout, polling=100).json_value()

    def registered(self):
        """Wait for the registration; return self."""
        self.wait("window.phoneState.registered")
        expect(self.page.locator("#phone-status")).to_have_attribute("data-state", "registered")
        return self

    def dial(self, number):
        """Type ``number`` and press Call."""
        self.page.locator("#phone-number").fill(number)
        self.page.locator("#phone-call").click()

    def call_in_state(self, state):
        """Wait until some call is in ``state``; return its id."""
        return int(self.wait(f"Object.entries(window.phoneState.calls).find(([id, c]) => c.state === '{state}')"
                             "?.[0]"))

    def stats(self, call_id=None):
        """Return the call's RTP counters ({inbound, outbound, dtls, codec})."""
        return self.page.evaluate("(id) => window.phoneStats(id)", call_id)

    def wait_rtp(self, call_id, packets=50, timeout=15_000):
        """Wait until the call received and sent ``packets`` RTP packets; return the stats."""
        # A synchronous predicate: an async one returns a Promise, which Playwright takes as truthy.
        self.page.wait_for_function(
            "([id, n]) => { const s = window.phoneState.stats[id];"
            " return s && s.inbound > n && s.outbound > n && s.codec && s.dtls === 'connected'; }",
            arg=[call_id, packets], timeout=timeout, polling=200)
        return self.stats(call_id)

    def no_calls(self, timeout=15_000):
        """Wait until every call ended; return the last one's end."""
        self.wait("Object.keys(window.phoneState.calls).length === 0", timeout)
        return self.page.evaluate("window.phoneState.lastEnded")

    def close(self):
        """Hang up what is left and close the window."""
        self.page.evaluate("Object.keys(window.phoneState.calls).forEach((id) => window.centralinaPhone.hangup(+id))")
        self.context.close()
