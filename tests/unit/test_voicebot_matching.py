"""The bot's intent matcher and its dialplan: fuzzy scores, thresholds, ties, slots; one context per bot."""
import pytest

from appliance.asterisk.confgen.bots import BotRow, bot_context_of, bot_of_uuid, uuid_prefix
from appliance.voicebot import matching
from appliance.voicebot.matching import Intent, match, slot_value

INTENTS = [
    Intent("sales", ("I want to talk to sales", "buy a new phone"), ("sales", "buy")),
    Intent("support", ("I need support", "my internet is not working"), ("support", "broken")),
    Intent("callback", ("please call me back later",), ("call back", "callback")),
]


@pytest.mark.parametrize("text, winner", [
    ("want call sales", "sales"),
    ("internet is working i need support", "support"),
    ("i buy a new phone", "sales"),
    ("please call me back later", "callback"),
    ("my phone is broken", "support"),
    ("me please", None),  # only stop words: no intent
    ("hello", None),
    ("", None),
])
def test_the_best_intent_wins_when_it_passes_the_threshold(text, winner):
    assert match(text, INTENTS, 60).winner == winner


def test_a_near_tie_asks_again():
    intents = [Intent("a", keywords=("account",)), Intent("b", keywords=("account",))]
    result = match("my account", intents, 60)
    assert result.winner is None and [s.score for s in result.scores] == [100, 100]


def test_short_keywords_must_match_exactly_and_long_ones_may_be_misheard():
    assert matching.score("call a friend", Intent("x", keywords=("call back",))).score == 0
    assert matching.score("i need suport", Intent("x", keywords=("support",))).score >= 85
    assert matching.score("bye", Intent("x", keywords=("buy",))).score == 0


def test_accents_and_case_do_not_matter():
    intents = [Intent("vendas", keywords=("comprar", "vendas")), Intent("suporte", keywords=("técnico",))]
    assert match("Quero falar com o TECNICO", intents, 60).winner == "suporte"


def test_slots_pick_numbers_and_yes_or_no():
    assert slot_value("my order is four two", "number") == "42"
    assert slot_value("twenty one", "number") == "21"
    assert slot_value("number 1234 please", "number") == "1234"
    assert slot_value("yeah sure", "yes_no") == "yes"
    assert slot_value("não obrigado", "yes_no") == "no"
    assert slot_value("maybe", "yes_no") == ""
    result = match("yes confirm", [Intent("confirm", keywords=("confirm",), slot="yes_no")], 60)
    assert (result.winner, result.slot_value) == ("confirm", "yes")


def test_the_uuid_names_the_bot():
    assert uuid_prefix(7) == "00000007" and bot_of_uuid("0000002a-1111-2222-3333-444455556666") == 42


def test_each_intent_is_a_branch_and_the_fallback_catches_the_rest():
    text = "\n".join(bot_context_of(BotRow(3, "Atendente", intents=((1, "queue:500"), (2, "extension:201")),
                                 fallback="voicemail:201", server="127.0.0.1:9093")).lines())
    assert "[cn-bot-3]" in text
    assert "Set(CN_BOT_UUID=00000003${UUID():8})" in text
    assert "Dial(AudioSocket/127.0.0.1:9093/${CN_BOT_UUID}/c(slin16),,g)" in text
    assert "exten => intent-1,1," in text and "exten => intent-2,1,Goto(" in text
    assert "exten => fallback,1," in text
    # Only digits of the bot's result choose a branch.
    assert "FILTER(0123456789,${DB_DELETE(cn-bot/${CN_BOT_UUID}-result)})" in text


@pytest.mark.parametrize("bad", [
    {"server": "127.0.0.1:9093,x"}, {"number": "12;3"}, {"intents": ((0, "hangup"),)}, {"id": 0},
])
def test_bad_rows_never_reach_the_dialplan(bad):
    with pytest.raises(ValueError):
        BotRow(**{"id": 1, **bad})
