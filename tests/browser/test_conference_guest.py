"""A guest opens an invitation link, gives a name and is in the conference room from the browser (issue 16).

Real chromium (fake microphone) with the browser phone module, the guest's one-room login synced into a
real Asterisk's realtime rows, ConfBridge on the other side.
"""
import pytest
from playwright.sync_api import expect

from appliance.asterisk.names import conference_name
from appliance.models.conferences import ConferenceGuest
from appliance.services import Actor, conference_guests, conferences
from appliance.watcher import Watcher
from tests.browser.phone_helpers import phone_browser  # noqa: F401  (fixture)
from tests.pbx import driven_engine
from tests.waiting import wait_for

pytestmark = pytest.mark.engine
ADMIN = Actor.system("test")


@pytest.fixture
def engine(app):
    """A real Asterisk following the app's database; the guest's page reaches its WebSocket on loopback."""
    with driven_engine() as engine:
        watcher = Watcher(engine, app.config["VAR_DIR"]).start()
        app.config["WEBRTC_WS_URL"] = f"ws://127.0.0.1:{engine.settings.http_port}/ws"
        try:
            yield engine
        finally:
            watcher.stop()


def test_a_guest_joins_the_room_from_the_invitation_link_and_leaves_it(
        app, live_server, engine, phone_browser):  # noqa: F811
    room = conferences.save_room(conferences.RoomInput("884", "Reunião de vendas"), ADMIN)
    token, _ = conference_guests.issue_link(room.id, 2, ADMIN, app.config["SECRET_KEY"])

    context = phone_browser.new_context(locale="pt-BR")
    page = context.new_page()
    page.goto(f"{live_server}/join/{token}?loopback=1")
    page.get_by_label("Seu nome").fill("Carla Visitante")
    page.locator("form button[type=submit]").click()

    status = page.locator("#guest-status")
    expect(status).to_have_attribute("data-state", "in-room", timeout=20_000)
    guest = ConferenceGuest.get(ConferenceGuest.room == room.id)
    # The login exists in Asterisk only as realtime rows the join synced: a WebRTC endpoint for this room.
    assert "transport-ws" in engine.cli(f"pjsip show endpoint {guest.sip_username}")
    members = wait_for(lambda: guest.sip_username in engine.cli(f"confbridge list {conference_name(room.id)}"),
                       timeout=10)
    assert members, engine.cli(f"confbridge list {conference_name(room.id)}")

    page.locator("#guest-hangup").click()
    expect(status).to_have_attribute("data-state", "left")
    assert wait_for(lambda: guest.sip_username not in engine.cli("confbridge list"), timeout=10)
    context.close()


def test_an_expired_guest_login_is_gone_from_the_engine(app, engine):
    room = conferences.save_room(conferences.RoomInput("885", "Treinamento"), ADMIN)
    token, _ = conference_guests.issue_link(room.id, 1, ADMIN, app.config["SECRET_KEY"])
    guest = conference_guests.admit(token, "Davi", app.config["SECRET_KEY"], 30)
    assert "transport-ws" in engine.cli(f"pjsip show endpoint {guest.sip_username}")

    ConferenceGuest.update(expires_at=ConferenceGuest.created_at).where(ConferenceGuest.id == guest.id).execute()
    assert conference_guests.forget_expired() == 1

    assert "Unable to find object" in engine.cli(f"pjsip show endpoint {guest.sip_username}")
