"""The bot server without Asterisk: a fake AudioSocket client says a phrase; the server pushes the intent's number
(and slot) to AstDB through its AMI session before it hangs up, records the call, and asks again when unsure."""
import asyncio
import concurrent.futures
import struct
import uuid as uuid_module

import pytest

from appliance.asterisk.confgen.bots import uuid_prefix
from appliance.asterisk.engine import EngineSettings
from appliance.models.bots import BotCall
from appliance.services import Actor, bots, extensions
from appliance.voicebot import server as bot_server
from appliance.voicebot import speech

SYSTEM = Actor.system("test")


class FakeAmi:
    """What the server asks of AMI: DBGet of the call's details, DBPut of the result."""

    def __init__(self, store):
        self.store = store

    def connected(self):
        return True

    def close(self):
        pass

    def db_get(self, family, key):
        return self.store.get(f"{family}/{key}")

    def db_put(self, family, key, value):
        self.store[f"{family}/{key}"] = value


@pytest.fixture
def bot(database):
    extensions.create(extensions.ExtensionInput("201", "Ana"), SYSTEM)
    return bots.save_bot(bots.BotInput("Bot", retries=1, retry_text="", intents=[
        bots.IntentInput("support", "extension:201", phrases="I need support", keywords="support"),
        bots.IntentInput("order", "hangup", phrases="my order number", keywords="order", slot="number")]), SYSTEM)


async def _converse(bot, utterances, digits=(), server=None, store=None):
    store = {} if store is None else store
    server = server or bot_server.Server(EngineSettings(ami_secret="s" * 20), None, workers=0,
                                         ami_factory=lambda: FakeAmi(store))
    call_uuid = str(uuid_module.UUID(uuid_prefix(bot.id) + "-0000-4000-8000-000000000001"))
    store[f"cn-bot/{call_uuid}"] = "1700000000.1 5551234"
    ready = asyncio.Event()
    stop = asyncio.Event()
    port = 0

    async def run():
        nonlocal port
        srv = await asyncio.start_server(server.handle, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        ready.set()
        async with srv:
            await stop.wait()

    task = asyncio.create_task(run())
    await ready.wait()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def until_hang_up():
        # Read while speaking, as Asterisk does: a bot that answers and hangs up before the caller's audio
        # ends closes a socket with unread data, and the reset would drop a HANGUP read only afterwards.
        try:
            while True:
                head = await asyncio.wait_for(reader.readexactly(3), timeout=30)
                await reader.readexactly(struct.unpack(">H", head[1:])[0])
                if head[0] == speech.KIND_HANGUP:
                    return True
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError):
            return False

    listening = asyncio.create_task(until_hang_up())
    writer.write(speech.message(speech.KIND_UUID, uuid_module.UUID(call_uuid).bytes))
    frame = speech.FRAME_BYTES
    try:
        for pcm in utterances:
            audio = b"\0" * 16000 + pcm + b"\0" * 32000  # 0.5 s, the phrase, 1 s of silence
            for start in range(0, len(audio), frame):
                writer.write(speech.message(speech.KIND_SLIN16, audio[start:start + frame].ljust(frame, b"\0")))
                await asyncio.sleep(0.004)  # faster than real time; the endpointer counts frames, not the clock
        for digit in digits:
            writer.write(speech.message(speech.KIND_DTMF, digit.encode()))
    except ConnectionError:
        pass  # the bot hung up already
    hung_up = await listening
    writer.close()
    stop.set()
    await task
    return store, call_uuid, hung_up


def _run(coroutine):
    """Run ``coroutine`` to its end in a thread of its own: in the full suite Playwright's session-wide sync
    API keeps an event loop running in the test thread, where asyncio.run() refuses to start another."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_a_spoken_intent_is_handed_to_the_dialplan_before_the_hang_up(bot):
    store, call_uuid, hung_up = _run(_converse(bot, [speech.speak("I need support", "en")]))
    row = BotCall.get(BotCall.uuid == call_uuid)
    assert hung_up and store.get(f"cn-bot/{call_uuid}-result") == "1", (row.transcript, row.outcome, hung_up)
    assert (row.intent, row.outcome, row.caller, row.linkedid) == ("support", "intent", "5551234", "1700000000.1")
    assert "support" in row.transcript and row.latency_ms > 0


def test_a_digit_picks_the_intent_of_its_position(bot):
    store, call_uuid, _ = _run(_converse(bot, [], digits="2"))
    assert store[f"cn-bot/{call_uuid}-result"] == "2"


def test_silence_then_nothing_leaves_no_result_and_the_dialplan_takes_the_fallback(bot, monkeypatch):
    monkeypatch.setattr(bot_server, "NO_INPUT_SECONDS", 0.3)
    store, call_uuid, hung_up = _run(_converse(bot, []))
    assert hung_up and f"cn-bot/{call_uuid}-result" not in store
    assert BotCall.get(BotCall.uuid == call_uuid).outcome == "no_input"


def test_the_endpointer_finds_one_utterance_between_silences():
    endpointer = speech.Endpointer()
    loud = (struct.pack("<h", 4000) + struct.pack("<h", -4000)) * (speech.FRAME_BYTES // 4)
    quiet = b"\0" * speech.FRAME_BYTES
    found = [endpointer.feed(frame, 20) for frame in [quiet] * 10 + [loud] * 20 + [quiet] * 30]
    utterances = [item for item in found if item]
    assert len(utterances) == 1 and len(utterances[0]) >= 20 * speech.FRAME_BYTES


def test_a_language_without_a_model_leaves_no_result_and_says_why(bot):
    bots.save_bot(bots.BotInput("Bot", language="pt-BR", intents=[
        bots.IntentInput("suporte", "hangup", keywords="suporte")]), SYSTEM, bot.id)
    store, call_uuid, _ = _run(_converse(bot, [speech.speak("suporte", "pt-BR")]))
    assert f"cn-bot/{call_uuid}-result" not in store
    assert BotCall.get(BotCall.uuid == call_uuid).outcome == "error"


def test_a_recording_is_heard_as_a_call_would_be_its_first_utterance_only():
    first, second = speech.speak("I need support", "en"), speech.speak("sales", "en")
    quiet = b"\0" * 32000  # a second of silence
    heard = speech.first_utterance(quiet + first + quiet + second + quiet)
    assert len(first) * 0.8 < len(heard) < len(first) + 32000, (len(first), len(heard))
    # Speech to the very end is heard too (the caller went quiet), and silence is nothing.
    assert len(speech.first_utterance(quiet + first)) > len(first) * 0.8
    assert speech.first_utterance(quiet * 3) == b""
