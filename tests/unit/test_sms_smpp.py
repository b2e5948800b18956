"""SMS through a real SMPP 3.4 SMSC on loopback (tests/smsc.py): submit, parts, receipts, inbound."""
import pytest

from appliance.models.extensions import Extension
from appliance.models.sms import SmsFragment, SmsMessage, SmsPart
from appliance.services import Actor, extensions, sms, sms_providers, users
from appliance.sms import codec
from appliance.sms.smpp import SmppSession
from tests.smsc import LoopbackSmsc
from tests.waiting import wait_for

SYSTEM = Actor.system("test")
LONG_PT = ("Olá! Sua consulta está confirmada para amanhã às 14h na clínica São João. "
           "Por favor, chegue com 15 minutos de antecedência e traga um documento com foto. "
           "Em caso de dúvida, ligue para a recepção. Obrigado pela preferência e até lá!")


@pytest.fixture
def smsc():
    server = LoopbackSmsc()
    yield server
    server.close()


@pytest.fixture
def people(database):
    """Extensions 201 (Ana, a user) and 202 (Bia); Ana's own SMS number on an SMPP provider."""
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    extensions.create(extensions.ExtensionInput("202", "Bia"), SYSTEM)
    ana = users.create(users.UserInput("ana", "Correct-Horse-42", "Ana", role="user", language="pt_BR"), SYSTEM)
    Extension.update(user=ana.id).where(Extension.number == "201").execute()
    return Actor(ana.id, "ana"), Extension.get(Extension.number == "201")


@pytest.fixture
def provider(people, smsc):
    provider, _secret = sms_providers.create(sms_providers.ProviderInput(
        name="Operadora", kind="smpp", host="127.0.0.1", port=smsc.port, system_id="centralina",
        password="secret"), SYSTEM)
    sms_providers.add_number(provider.id, "+55 11 3000-1000", "201", SYSTEM)
    return provider


@pytest.fixture
def session(provider):
    worker = SmppSession(provider.id, poll_seconds=0.05)
    worker.start()
    assert worker.bound.wait(10)
    yield worker
    worker.stop()


def test_long_accented_message_goes_ucs2_in_udh_parts_and_the_receipt_marks_it_delivered(people, smsc, session):
    actor, ana = people
    message = sms.send(ana, sms.SendInput(to="(11) 98765-4321", body=LONG_PT), actor)
    assert message.status == "queued" and message.encoding == "ucs2"
    parts = -(-len(LONG_PT) // 67)
    assert message.parts == parts > 1

    assert wait_for(lambda: SmsMessage.get_by_id(message.id).status == "delivered"), \
        SmsMessage.get_by_id(message.id).status
    assert len(smsc.submitted) == parts
    first = smsc.submitted[0]
    assert (first.source, first.destination) == ("551130001000", "5511987654321")
    assert all(s.data_coding == 0x08 and s.esm_class & 0x40 and s.registered_delivery for s in smsc.submitted)
    headers = [s.short_message[:6] for s in smsc.submitted]
    assert {h[:3] for h in headers} == {b"\x05\x00\x03"} and len({h[3] for h in headers}) == 1
    assert [(h[4], h[5]) for h in headers] == [(parts, seq) for seq in range(1, parts + 1)]
    joined = "".join(s.short_message[6:].decode("utf-16-be") for s in smsc.submitted)
    assert joined == LONG_PT
    row = SmsMessage.get_by_id(message.id)
    assert row.delivered_at is not None and row.provider_id == session.provider_id
    assert sorted(p.provider_message_id for p in SmsPart.select()) == [str(seq) for seq in range(1, parts + 1)]


def test_plain_text_goes_gsm7_in_one_part(people, smsc, session):
    actor, ana = people
    message = sms.send(ana, sms.SendInput(to="+5511987654321", body="Reuniao confirmada {sala 3} @ 10h"), actor)
    assert wait_for(lambda: SmsMessage.get_by_id(message.id).status == "delivered")
    (only,) = smsc.submitted
    assert only.data_coding == 0 and only.esm_class == 0
    assert codec.decode_text(only.short_message, 0) == "Reuniao confirmada {sala 3} @ 10h"


def test_a_receipt_naming_the_id_in_decimal_still_finds_the_message(people, smsc, session):
    smsc.receipt_ids_decimal = True
    actor, ana = people
    for n in range(11):  # the 10th and 11th ids are "0000000A"/"0000000B": hex differs from decimal
        message = sms.send(ana, sms.SendInput(to="+5511987654321", body=f"n{n}"), actor)
    assert wait_for(lambda: SmsMessage.select().where(SmsMessage.status == "delivered").count() == 11)
    assert SmsMessage.get_by_id(message.id).status == "delivered"


def test_a_failed_receipt_fails_the_message_with_its_reason(people, smsc, session):
    smsc.receipt_state = "UNDELIV"
    actor, ana = people
    message = sms.send(ana, sms.SendInput(to="+5511987654321", body="oi"), actor)
    assert wait_for(lambda: SmsMessage.get_by_id(message.id).status == "failed")
    assert SmsMessage.get_by_id(message.id).reason == "001"


def test_inbound_long_message_is_joined_into_the_owners_inbox(people, smsc, session):
    encoded = codec.encode("Chegou às 15h? Não! " * 10, reference=77)
    assert len(encoded.parts) > 1
    # Parts out of order, as networks deliver them.
    smsc.send_mo("5511987654321", "551130001000", list(reversed(encoded.parts)),
                  data_coding=encoded.data_coding, esm_class=encoded.esm_class)
    _, ana = people
    found = wait_for(lambda: sms.list_messages(ana, direction="in").first())
    assert found and found.body == "Chegou às 15h? Não! " * 10 and found.peer == "+5511987654321"
    assert found.own_number == "+551130001000" and found.status == "received"
    assert SmsFragment.select().count() == 0


def test_queued_messages_survive_a_restart_and_go_once_the_bind_is_back(people, smsc, provider):
    actor, ana = people
    message = sms.send(ana, sms.SendInput(to="+5511987654321", body="enviada com o daemon parado"), actor)
    assert SmsMessage.get_by_id(message.id).status == "queued"
    worker = SmppSession(provider.id, poll_seconds=0.05)
    worker.start()
    try:
        assert wait_for(lambda: SmsMessage.get_by_id(message.id).status == "delivered")
        smsc.drop()  # the SMSC goes away: the session binds again by itself
        assert wait_for(lambda: smsc.binds >= 2, timeout=15)
        second = sms.send(ana, sms.SendInput(to="+5511987654321", body="depois da queda"), actor)
        assert wait_for(lambda: SmsMessage.get_by_id(second.id).status == "delivered")
    finally:
        worker.stop()


@pytest.mark.parametrize(("to", "body", "field"), [
    ("+5511987654321", "   ", "body"),
    ("+5511987654321", "ã" * (67 * sms.MAX_PARTS + 1), "body"),
    ("12ab", "oi", "to"),
    ("", "oi", "to"),
    ("201", "oi", "to"),  # her own extension
], ids=["empty", "too-long", "bad-number", "no-number", "own-extension"])
def test_bad_input_is_refused_and_nothing_is_stored(people, provider, to, body, field):
    actor, ana = people
    with pytest.raises(sms.ValidationError) as refused:
        sms.send(ana, sms.SendInput(to=to, body=body), actor)
    assert field in refused.value.fields
    assert SmsMessage.select().count() == 0


def test_a_person_may_not_send_as_someone_elses_extension(people, provider):
    actor, _ = people
    bia = Extension.get(Extension.number == "202")
    with pytest.raises(sms.PermissionDenied):
        sms.send(bia, sms.SendInput(to="+5511987654321", body="oi"), actor)
    assert SmsMessage.select().count() == 0
