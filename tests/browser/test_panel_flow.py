"""An extension user in the browser: adds a contact, sees a missed call, plays a voicemail, sets DND."""
import time

import pytest
from playwright.sync_api import expect

from appliance.asterisk import cdr
from appliance.models.call_history import CallRecord
from appliance.models.extensions import Extension
from appliance.services import Actor, extensions, users
from tests.browser.test_admin_flow import _login
from tests.engine.sipp import Sipp
from tests.pbx import driven_engine

pytestmark = pytest.mark.engine
PASSWORD = "Correct-Horse-43"
SYSTEM = Actor.system("test")


@pytest.fixture
def engine(app):
    with driven_engine("panel") as engine:
        yield engine


def _extension(number, name, **fields):
    extension, device = extensions.create(extensions.ExtensionInput(number, name), SYSTEM)
    if fields:
        extensions.update(extension.id, extensions.ExtensionChanges(name, True, **fields), SYSTEM)
    return Extension.get_by_id(extension.id), device.sip_password


def _ingest(engine, caller, callee):
    rows = CallRecord.select().where((CallRecord.src == caller) & (CallRecord.dst == callee))
    deadline = time.monotonic() + 10
    while not rows.count() and time.monotonic() < deadline:
        cdr.ingest(engine)
        time.sleep(0.2)
    return rows.count()


def test_an_extension_user_uses_the_panel(page, live_server, engine, tmp_path):
    ana_user = users.create(users.UserInput("ana", PASSWORD, "Ana Souza", language="pt_BR"), SYSTEM)
    _, ana = _extension("601", "Ana Souza", user_id=ana_user.id, voicemail_enabled=False, ring_seconds=5)
    _, bruno = _extension("602", "Bruno Lima")
    _, carla = _extension("603", "Carla Dias")
    sipp = Sipp(engine.settings.sip_port, workdir=tmp_path)

    # Carla calls; Ana's phone rings and nobody answers (no voicemail yet): a missed call.
    with sipp.uas("601", ana, answer=False):
        assert sipp.call("603", carla, "601", expect_status=480).ok
    # Then Ana's mailbox is turned on and Bruno leaves a message with real audio.
    extensions.update(Extension.get(Extension.number == "601").id,
                      extensions.ExtensionChanges("Ana Souza", True, voicemail_enabled=True), SYSTEM)
    assert sipp.call_with_audio("602", bruno, "601", wait_seconds=11, after_seconds=4).ok
    assert _ingest(engine, "603", "601") and _ingest(engine, "602", "601")

    _login(page, live_server, "ana", PASSWORD)
    # Her home is her own extension, and the menu says so.
    expect(page.locator('nav ul.menu summary[aria-current="true"]')).to_have_text("Meu ramal")

    # A personal contact.
    page.get_by_role("link", name="Agenda").click()
    page.get_by_role("button", name="Novo contato").click()
    page.locator("input[name=name]").fill("Padaria Pão Quente")
    page.locator("input[name=phone1]").fill("(11) 91234-5678")
    page.get_by_role("button", name="Salvar").click()
    expect(page.locator("body")).to_contain_text("Padaria Pão Quente")

    # The missed call, in the history.
    page.get_by_role("link", name="Histórico de chamadas").click()
    missed = page.locator("tr.call-in", has_text="603")
    expect(missed).to_contain_text("Não atendida")

    # The voicemail plays in the browser.
    page.get_by_role("link", name="Correio de voz").click()
    row = page.locator("#voicemail-new tr[data-msg-id]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("602")
    duration = page.evaluate("""() => new Promise((resolve, reject) => {
        const audio = document.querySelector('#voicemail-new audio');
        audio.addEventListener('loadedmetadata', () => resolve(audio.duration));
        audio.addEventListener('error', () => reject(new Error('audio error ' + (audio.error && audio.error.code))));
        audio.preload = 'auto';
        audio.load();
    })""")
    assert duration > 1  # the browser decoded seconds of recorded speech

    # DND, reflected in the company directory.
    page.get_by_role("link", name="Desvios e presença").click()
    page.get_by_label("Não perturbe (quem liga ouve ocupado ou cai no meu correio de voz)").check()
    page.get_by_role("button", name="Salvar").click()
    expect(page.locator("#flashes")).to_contain_text("Salvo")
    page.get_by_role("link", name="Agenda").click()
    me = page.locator("#directory tr", has_text="601")
    expect(me).to_contain_text("Não perturbe")
    assert Extension.get(Extension.number == "601").dnd
