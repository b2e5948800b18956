"""The VoiceBot server: one asyncio process Asterisk's AudioSocket channels connect to (``centralina voicebot``).

Per call: read the UUID (its first 8 hex digits name the bot, confgen/bots.py), load the bot,
play its greeting, then listen (Endpointer), recognise and match an intent (recognition.py, in a
process pool: pocketsphinx holds the GIL); no match asks again (``retry_text``) up to ``retries``
times. A winner's number (and slot value) is stored in AstDB by AMI DBPut *before* the bot hangs up, so the dialplan
finds it when Dial returns (decision 035). A digit pressed picks the intent of that position.
A 20 ms frame leaves every 20 ms, silence when there is nothing to say: AudioSocket does not
re-time what it gets, and a silent socket is dropped after 2 s.
"""
import asyncio
import logging
import signal
import time

from appliance.asterisk.confgen.bots import DB_FAMILY, bot_of_uuid
from appliance.voicebot import asr, recognition, speech
from appliance.voicebot.recognition import Recognition, load_bot

log = logging.getLogger("centralina.voicebot")

#: Seconds the bot waits for the caller to start speaking, per turn.
NO_INPUT_SECONDS = 6.0
#: How often the server looks for a speech model installed or replaced since (one stat per language).
MODEL_CHECK_SECONDS = 5.0
#: Longest call the bot holds (a caller who never stops talking is let go).
MAX_CALL_SECONDS = 120


# -- one call ----------------------------------------------------------------------------------


class Call:
    """One AudioSocket connection: the paced sender, the receiver, and the dialogue."""

    def __init__(self, server, reader, writer):
        self.server, self.reader, self.writer = server, reader, writer
        self.out = bytearray()
        self.drained = asyncio.Event()
        self.drained.set()
        self.inbox = asyncio.Queue()
        self.rate = 16000
        self.closed = False

    # The sender: one frame every 20 ms on the loop's clock (drift does not add up).
    async def send_loop(self):
        loop = asyncio.get_running_loop()
        tick = speech.FRAME_MS / 1000
        frame_bytes = self.rate * 2 * speech.FRAME_MS // 1000
        due = loop.time()
        while not self.closed:
            frame_bytes = self.rate * 2 * speech.FRAME_MS // 1000
            if self.out:
                chunk = bytes(self.out[:frame_bytes])
                del self.out[:frame_bytes]
                chunk += b"\0" * (frame_bytes - len(chunk))
            else:
                chunk = b"\0" * frame_bytes
                self.drained.set()
            self.writer.write(speech.message(speech.KIND_SLIN16 if self.rate == 16000 else speech.KIND_SLIN8, chunk))
            due += tick
            await asyncio.sleep(max(0.0, due - loop.time()))

    async def receive_loop(self):
        try:
            while True:
                kind, payload = await speech.read_message(self.reader)
                if kind in speech.RATES:
                    self.rate = speech.RATES[kind]
                    await self.inbox.put(("audio", payload))
                elif kind == speech.KIND_DTMF:
                    await self.inbox.put(("dtmf", payload.decode("ascii", "replace")))
                elif kind in (speech.KIND_HANGUP, speech.KIND_ERROR):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            await self.inbox.put(("gone", None))

    async def play(self, pcm16):
        """Queue ``pcm16`` (16 kHz) and wait until it has been sent; what the caller says meanwhile is dropped."""
        if self.rate != 16000:
            import numpy
            pcm16 = numpy.frombuffer(pcm16[: len(pcm16) - len(pcm16) % 4], dtype="<i2")[::2].tobytes()
        self.drained.clear()
        self.out += pcm16
        await self.drained.wait()
        while not self.inbox.empty():  # no barge-in: what came in during the prompt is not the answer
            item = self.inbox.get_nowait()
            if item[0] == "gone":
                await self.inbox.put(item)
                break

    async def say(self, text, language):
        if text:
            try:
                await self.play(await speech.speak_async(text, language))
            except Exception:  # noqa: BLE001 - a TTS failure must not drop the call
                log.exception("cannot speak %r", text)

    async def listen(self):
        """Return ``("speech", pcm16, end_time)``, ``("dtmf", digit, t)``, ``("none", b"", t)`` or ``("gone", ...)``."""
        endpointer = speech.Endpointer()
        started = time.monotonic()
        while True:
            timeout = None if endpointer.speaking else max(0.0, NO_INPUT_SECONDS - (time.monotonic() - started))
            try:
                kind, payload = await asyncio.wait_for(self.inbox.get(), timeout=timeout if timeout else 1.0)
            except TimeoutError:
                utterance = endpointer.silence(1000)
                if utterance:
                    return "speech", self._wide(utterance), time.monotonic()
                if not endpointer.speaking and time.monotonic() - started >= NO_INPUT_SECONDS:
                    return "none", b"", time.monotonic()
                continue
            if kind == "gone":
                return "gone", b"", time.monotonic()
            if kind == "dtmf":
                return "dtmf", payload, time.monotonic()
            ms = len(payload) * 1000 // (2 * self.rate)
            utterance = endpointer.feed(payload, ms)
            if utterance:
                # The end of speech was END_SILENCE_MS ago: the latency counts from there.
                return "speech", self._wide(utterance), time.monotonic() - endpointer.END_SILENCE_MS / 1000

    def _wide(self, pcm):
        return asr.upsample(pcm) if self.rate == 8000 else pcm

    async def run(self):
        try:
            kind, payload = await asyncio.wait_for(speech.read_message(self.reader), timeout=5)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            return  # a connection that never said who it is (a port probe)
        if kind != speech.KIND_UUID or len(payload) != 16:
            return
        uuid = speech.parse_uuid(payload)
        sender = asyncio.create_task(self.send_loop())
        receiver = asyncio.create_task(self.receive_loop())
        try:
            await asyncio.wait_for(self.dialogue(uuid), timeout=MAX_CALL_SECONDS)
        except TimeoutError:
            log.warning("bot call %s took too long", uuid)
        finally:
            self.closed = True
            sender.cancel()
            receiver.cancel()
            try:
                self.writer.write(speech.message(speech.KIND_HANGUP))
                await self.writer.drain()
            except ConnectionError:
                pass

    async def dialogue(self, uuid):
        server = self.server
        config = await asyncio.to_thread(load_bot, bot_of_uuid(uuid), server.prompts_dir)
        if config is None:
            log.warning("call %s names no bot", uuid)
            return
        linkedid, caller = await asyncio.to_thread(server.call_info, uuid)
        record = {"linkedid": linkedid, "caller": caller, "outcome": "no_input"}
        await asyncio.to_thread(server.store, uuid, config.id, record)
        if config.greeting_path is not None:
            await self.play(await asyncio.to_thread(config.greeting_path.read_bytes))
        heard = []
        for turn in range(config.retries + 1):
            kind, payload, ended = await self.listen()
            if kind == "gone":
                record["outcome"] = "hangup"
                break
            winner, value = None, ""
            if kind == "dtmf":
                chosen = [(pos, intent) for pos, intent, _ in config.intents if str(pos) == payload]
                if chosen:
                    winner = chosen[0][1].name
                    heard.append(f"[{payload}]")
            elif kind == "speech":
                try:
                    result = await recognition.understand(server.recognition, config, payload)
                except asr.AsrUnavailable:
                    # No model for the bot's language (pt-BR without an installed Vosk model): the fallback.
                    log.warning("bot %s: no speech model for %s", config.id, config.language)
                    record["outcome"] = "error"
                    break
                text, winner, value = result.text, result.winner, result.slot_value
                heard.append(text)
                record["score"] = result.scores[0].score if result.scores else 0
                record["latency_ms"] = int((time.monotonic() - ended) * 1000)
                log.info("bot %s call %s heard %r: %s", config.id, uuid, text, winner)
            record["transcript"] = " | ".join(heard)
            if winner is not None:
                position, _, answer = next(item for item in config.intents if item[1].name == winner)
                record.update(intent=winner, slot_value=value, outcome="intent")
                await self.say(answer, config.language)
                await asyncio.to_thread(server.publish, uuid, position, value)
                break
            record["outcome"] = "fallback" if kind in ("speech", "dtmf") else "no_input"
            if turn < config.retries:
                await self.say(config.retry_text, config.language)
        await asyncio.to_thread(server.store, uuid, config.id, record)


# -- the server --------------------------------------------------------------------------------


class Server:
    """The listening socket, the AMI session that hands results to the dialplan, the recognisers."""

    def __init__(self, engine_settings, prompts_dir, workers=None, ami_factory=None, configs=()):
        self.engine_settings = engine_settings
        self.prompts_dir = prompts_dir
        instance = engine_settings.engine_root / str(engine_settings.instance_dir).lstrip("/")
        self.recognition = Recognition(str(instance), workers, configs)
        self._ami_factory = ami_factory
        self._ami = None
        import threading
        self._ami_lock = threading.Lock()

    def _with_ami(self, action):
        from appliance.asterisk.ami import Ami, AmiError, AmiSettings

        with self._ami_lock:
            for attempt in (1, 2):
                try:
                    if self._ami is None or not self._ami.connected():
                        factory = self._ami_factory or (lambda: Ami(AmiSettings.for_engine(self.engine_settings)))
                        self._ami = factory()
                    return action(self._ami)
                except AmiError:
                    if self._ami is not None:
                        self._ami.close()
                    self._ami = None
                    if attempt == 2:
                        raise
        return None

    def call_info(self, uuid):
        """Return ``(linkedid, caller number)`` the dialplan left for this call (empty when unknown)."""
        try:
            value = self._with_ami(lambda ami: ami.db_get(DB_FAMILY, uuid)) or ""
        except Exception:  # noqa: BLE001 - the call goes on without it
            log.exception("cannot read the call's details")
            value = ""
        linkedid, _, caller = value.partition(" ")
        return linkedid[:150], caller[:80]

    def publish(self, uuid, position, slot_value):
        """Store the intent's number (and slot value) where the dialplan reads it when the bot hangs up."""
        def put(ami):
            if slot_value:
                ami.db_put(DB_FAMILY, f"{uuid}-slot", slot_value[:40])
            ami.db_put(DB_FAMILY, f"{uuid}-result", str(int(position)))
        try:
            self._with_ami(put)
        except Exception:  # noqa: BLE001 - no result: the dialplan takes the fallback
            log.exception("cannot hand the result of %s to the dialplan", uuid)

    def store(self, uuid, bot_id, record):
        """Write what happened in the call (services.bots.record_call)."""
        from appliance.services import bots

        try:
            bots.record_call(uuid, bot_id, **record)
        except Exception:  # noqa: BLE001 - the call matters more than its record
            log.exception("cannot record bot call %s", uuid)

    async def handle(self, reader, writer):
        try:
            await Call(self, reader, writer).run()
        except Exception:  # noqa: BLE001 - one call's failure never stops the server
            log.exception("bot call failed")
        finally:
            writer.close()

    def model_stamps(self):
        """Return ``{language: stamp}`` of the speech models installed now (asr.model_stamp)."""
        from appliance.services.bots import LANGUAGES

        return {language: asr.model_stamp(self.recognition.instance_dir, language) for language in LANGUAGES}

    async def watch_models(self, every=None, seen=None):
        """Forever: when a language's model was installed or replaced (decision 045) since ``seen`` (model_stamps;
        now by default), build the recognisers of that language's bots in the background, before their next call
        needs them (a big model takes tens of seconds to load)."""
        seen = self.model_stamps() if seen is None else seen
        while True:
            await asyncio.sleep(MODEL_CHECK_SECONDS if every is None else every)
            try:
                stamps = self.model_stamps()
                changed = {language for language, stamp in stamps.items() if stamp != seen.get(language) and stamp}
                seen = stamps
                if changed:
                    configs = await asyncio.to_thread(_bots_of, changed, self.prompts_dir)
                    log.info("speech model changed for %s: preparing %d bots", ", ".join(sorted(changed)),
                             len(configs))
                    await asyncio.to_thread(self.recognition.prepare, configs)
            except Exception:  # noqa: BLE001 - calls still load the model themselves
                log.exception("cannot prepare the recognisers of a new speech model")

    async def serve(self, host, port, ready=None, stop=None):
        """Serve until ``stop`` (an asyncio.Event) is set or the task is cancelled."""
        server = await asyncio.start_server(self.handle, host, port)
        log.info("VoiceBot listening on %s:%s", host, port)
        watcher = asyncio.create_task(self.watch_models())
        if ready is not None:
            ready()
        try:
            async with server:
                if stop is None:
                    await server.serve_forever()
                else:
                    await stop.wait()
        finally:
            watcher.cancel()


def _bots_of(languages, prompts_dir):
    from appliance.models.bots import Bot

    rows = Bot.select(Bot.id).where(Bot.language.in_(sorted(languages)))
    return [config for config in (load_bot(row.id, prompts_dir) for row in rows) if config]


def run(conf):
    """Run the server of this installation until SIGTERM or SIGINT (``centralina voicebot``)."""
    from appliance.asterisk.engine import Engine
    from appliance.services import engine_sync

    settings = engine_sync.engine_settings(conf)
    engine = Engine(settings)
    prompts_dir = engine.host_path(settings.instance_dir / "lib" / "prompts")
    host, _, port = conf["VOICEBOT_ADDRESS"].rpartition(":")
    from appliance.models.bots import Bot

    configs = [config for config in (load_bot(row.id, prompts_dir) for row in Bot.select(Bot.id)) if config]
    server = Server(settings, prompts_dir, configs=configs)

    async def main():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await server.serve(host, int(port), stop=stop)

    try:
        asyncio.run(main())
    finally:
        server.recognition.close()
