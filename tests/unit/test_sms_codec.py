"""SMS text on the wire: the alphabet chosen per message, parts that never split a character, UDH, receipts."""
import pytest

from appliance.sms import codec


@pytest.mark.parametrize(("text", "encoding"), [
    ("Reuniao as 10h {sala} [3] ~ €", "gsm7"),
    ("Olá, tudo bem?", "ucs2"),  # á is not in GSM-7
    ("ação", "ucs2"),
    ("Ça va? à é ü ñ", "gsm7"),  # these accents are in the GSM alphabet
    ("emoji 🙂", "ucs2"),
])
def test_the_alphabet_is_chosen_per_message(text, encoding):
    assert codec.choose_encoding(text) == encoding


def test_single_message_limits():
    assert codec.count_parts("a" * 160) == ("gsm7", 1)
    assert codec.count_parts("a" * 161) == ("gsm7", 2)
    assert codec.count_parts("ã" * 70) == ("ucs2", 1)
    assert codec.count_parts("ã" * 71) == ("ucs2", 2)
    # An extension-table character takes two septets.
    assert codec.count_parts("€" * 80) == ("gsm7", 1)
    assert codec.count_parts("€" * 81) == ("gsm7", 2)


def test_a_part_never_ends_inside_an_escape_pair_or_a_surrogate_pair():
    _, parts = codec.split("a" * 152 + "€" + "b" * 10)
    assert parts[0] == "a" * 152 and parts[1].startswith("€")
    _, parts = codec.split("ã" * 66 + "🙂" + "x" * 10)
    assert parts[0] == "ã" * 66 and parts[1].startswith("🙂")


def test_encoded_parts_carry_one_reference_and_join_back():
    text = "Promoção de verão! " * 10
    encoded = codec.encode(text, reference=200)
    assert encoded.data_coding == 8 and encoded.esm_class == 0x40
    segments = [codec.read_segment(part, encoded.esm_class, encoded.data_coding) for part in encoded.parts]
    assert {(s.reference, s.total) for s in segments} == {(200, len(encoded.parts))}
    assert [s.seq for s in segments] == list(range(1, len(encoded.parts) + 1))
    assert "".join(s.text for s in segments) == text
    assert all(len(part) <= 140 for part in encoded.parts)


def test_gsm7_round_trips_with_the_extension_table():
    text = "Preço: 10€ {promo} [hoje] ~ ^ | \\ @£$"
    encoded = codec.encode_text(text.replace("ç", "c"), "gsm7")
    assert codec.decode_text(encoded, 0) == text.replace("ç", "c")


def test_a_16_bit_reference_udh_is_read():
    part = bytes((0x06, 0x08, 0x04, 0x01, 0x02, 0x03, 0x02)) + "oi".encode("utf-16-be")
    assert codec.read_segment(part, 0x40, 8) == codec.Segment(0x0102, 3, 2, "oi")


@pytest.mark.parametrize(("text", "tlv_id", "state", "expected"), [
    (b"id:0A sub:001 dlvrd:001 submit date:2612061200 done date:2612061201 stat:DELIVRD err:000 text:", None, None,
     ("0A", "delivered", "000")),
    (b"id:7 sub:001 dlvrd:000 submit date:2612061200 done date:2612061201 stat:UNDELIV err:034 text:", None, None,
     ("7", "failed", "034")),
    (b"", "99", 2, ("99", "delivered", "")),  # TLVs alone
    (b"id:5 stat:DELIVRD err:000", None, 5, ("5", "failed", "000")),  # message_state wins over the text
])
def test_receipts_are_read_from_tlvs_or_text(text, tlv_id, state, expected):
    receipt = codec.read_receipt(text, tlv_id, state)
    assert (receipt.message_id, receipt.status, receipt.error) == expected


def test_ids_match_across_hex_and_decimal():
    assert "a" in codec.id_forms("10") and "10" in codec.id_forms("0000000A")
    assert codec.id_forms("xyz-1") == ["xyz-1"]
