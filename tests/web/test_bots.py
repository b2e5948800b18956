"""VoiceBot pages: a bot with intents to destinations, errors beside the field, the test console, deletion guards."""
from appliance.models.bots import Bot, BotIntent
from appliance.services import Actor, bots, extensions, inbound_routes

SYSTEM = Actor.system("test")


def _form(auth, **extra):
    data = {"csrf_token": auth.token("/telephony/bots/new"), "name": "Atendente", "number": "", "language": "en",
            "greeting": "", "retry_text": "Sorry, say it again", "retries": "1", "threshold": "60",
            "fallback_destination": "extension:201",
            "intent_0_name": "sales", "intent_0_phrases": "I want to buy\nsales please", "intent_0_keywords": "sales",
            "intent_0_answer": "One moment", "intent_0_slot": "", "intent_0_destination": "extension:202",
            "intent_1_name": "", "intent_1_destination": "hangup"}
    data.update(extra)
    return data


def test_admin_creates_a_bot_and_tries_a_phrase(auth, client, app):
    for number in ("201", "202"):
        extensions.create(extensions.ExtensionInput(number, f"Ramal {number}"), SYSTEM)
    auth.login()
    response = client.post("/telephony/bots/new", data=_form(auth))
    assert response.status_code == 302, response.get_data(as_text=True)
    bot = Bot.get(Bot.name == "Atendente")
    assert [(i.position, i.name, i.destination) for i in BotIntent.select()] == [(1, "sales", "extension:202")]
    assert bot.fallback_destination == "extension:201"
    page = client.get(f"/telephony/bots/{bot.id}").get_data(as_text=True)
    assert "Test console" in page or "Console" in page
    tried = client.post(f"/telephony/bots/{bot.id}/try", data={"phrase": "I would like sales",
                                                               "csrf_token": auth.token(f"/telephony/bots/{bot.id}")})
    assert tried.status_code == 200 and "sales" in tried.get_data(as_text=True)
    assert "Atendente" in client.get("/telephony/bots").get_data(as_text=True)


def test_a_missing_destination_is_an_error_next_to_the_intent_and_saves_nothing(auth, client, app):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    auth.login()
    response = client.post("/telephony/bots/new", data=_form(auth, intent_0_destination="extension:999"))
    assert response.status_code == 422
    assert not Bot.select().exists()


def test_a_bot_used_by_an_inbound_route_cannot_be_deleted(auth, client, app):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    bot = bots.save_bot(bots.BotInput("Bot", fallback_destination="extension:201", intents=[
        bots.IntentInput("sales", "extension:201", keywords="sales")]), SYSTEM)
    inbound_routes.save_route(inbound_routes.InboundRouteInput(did="+551133334444", destination=f"bot:{bot.id}"),
                              SYSTEM)
    auth.login()
    client.post(f"/telephony/bots/{bot.id}/delete", data={"csrf_token": auth.token("/telephony/bots")})
    assert Bot.select().count() == 1
