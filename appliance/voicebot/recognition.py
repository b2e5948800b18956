"""What a bot hears and which intent that means: the code the live bot and the page's test console share.

``load_bot`` reads a bot's configuration (``BotConfig``); ``Recognition`` turns an utterance into
words with the bot's own language model, in a pool of processes (the server: pocketsphinx holds the
GIL) or in the caller's process (``workers=0``: tests and the test console); ``understand`` is one
turn's recognition and matching, slot included. The console calls the very same ``understand`` on
an uploaded clip, so what it shows is what a caller saying that clip would get.
"""
import asyncio
import concurrent.futures
import dataclasses
import logging
import os
from pathlib import Path

from appliance.voicebot import asr, matching

log = logging.getLogger("centralina.voicebot")


class BotConfig:
    """What a call needs of its bot, read from the database at the call's start."""

    def __init__(self, bot, intents, greeting_path):
        self.id = bot.id
        self.language = bot.language
        self.retry_text = bot.retry_text
        self.retries = bot.retries
        self.threshold = bot.threshold
        self.intents = intents  # [(position, matching.Intent, answer)]
        self.greeting_path = greeting_path

    def sentences(self, slot=""):
        """Return what the recogniser's language model is built from: phrases and keywords, and with ``slot``
        the words of its values too.

        Intents are recognised without the slot words (with the digits in, "I need support" was heard as
        "i need four"); an intent with a slot has the same audio decoded again with them for its value.
        """
        sentences = [text for _, intent, _ in self.intents for text in (*intent.phrases, *intent.keywords)]
        if slot:
            sentences += asr.SLOT_WORDS.get((self.language, slot), "").split()
        return sentences


def load_bot(bot_id, prompts_dir):
    """Return the BotConfig of ``bot_id`` from the database, or None when there is no such bot."""
    from appliance.models.bots import Bot, BotIntent

    bot = Bot.get_or_none(Bot.id == bot_id)
    if bot is None:
        return None
    rows = BotIntent.select().where(BotIntent.bot == bot).order_by(BotIntent.position)
    intents = [(row.position, matching.Intent(row.name, matching.split_phrases(row.phrases),
                                              matching.split_keywords(row.keywords), row.slot), row.answer)
               for row in rows]
    greeting = None
    if bot.greeting_id and prompts_dir is not None:
        path = Path(prompts_dir) / f"p{bot.greeting_id}.sln16"
        greeting = path if path.exists() else None
    return BotConfig(bot, intents, greeting)


# -- recognition in worker processes -----------------------------------------------------------

_RECOGNISERS = {}
#: Recognisers a process keeps (one per bot version and slot; about 10 MB each).
KEEP = 32


def _transcribe(key, instance_dir, language, sentences, pcm16, cache=None, keep=KEEP):
    """The recogniser of ``key`` (built once per bot version, kept in ``cache``: the process's by default) hears
    ``pcm16``."""
    cache = _RECOGNISERS if cache is None else cache
    recogniser = cache.get(key)
    if recogniser is None:
        if len(cache) >= keep:
            cache.clear()
        for old in [old for old in cache if old[:2] == key[:2] and old[3] != key[3]]:
            del cache[old]  # built on a model since replaced: let its memory go
        recogniser = cache[key] = asr.recogniser(instance_dir, language, sentences)
    return recogniser.transcribe(pcm16)


def _prepare(key, instance_dir, language, sentences, cache=None, keep=KEEP):
    """Build the recogniser of ``key`` now (kept as ``_transcribe`` keeps it), so that no call waits for its model
    to load; return whether there is one (False: no model for the language)."""
    try:
        _transcribe(key, instance_dir, language, sentences, b"", cache, keep)
    except asr.AsrUnavailable:
        return False
    return True


def _warm(instance_dir, configs):
    """Run in each pool process as it starts: build the recognisers of the bots there are now."""
    for key, language, sentences in configs:
        try:
            _RECOGNISERS[key] = asr.recogniser(instance_dir, language, sentences)
        except Exception:  # noqa: BLE001 - a bot without a model just takes its fallback
            log.info("no recogniser for bot %s (%s)", key[0], language)


def _key(config, sentences, instance_dir=None):
    # The model's stamp: a model replaced by an upload is loaded by the next call (a stat per utterance).
    stamp = asr.model_stamp(instance_dir, config.language) if instance_dir is not None else None
    return (config.id, config.language, hash(tuple(sentences)), stamp)


class Recognition:
    """A pool of recogniser processes (one per core by default), or in-process for tests (``workers=0``).

    In-process, at most ``keep`` recognisers are kept. ``configs`` (BotConfig) are built in every process as it
    starts: the first call to each bot does not wait for its language model (100-400 ms).
    """

    def __init__(self, instance_dir, workers=None, configs=(), keep=KEEP):
        self.instance_dir = instance_dir
        self.keep = keep
        self._cache = {}  # in-process recognisers (workers=0); a pool's live in its processes
        count = (os.cpu_count() or 1) if workers is None else workers
        self.workers = count
        warm = [(_key(config, config.sentences(), instance_dir), config.language, config.sentences())
                for config in configs]
        self.pool = (concurrent.futures.ProcessPoolExecutor(count, initializer=_warm, initargs=(instance_dir, warm))
                     if count else None)

    async def transcribe(self, config, pcm16, slot=""):
        """Return the words heard in ``pcm16`` for ``config``'s bot (with ``slot``: listening for its values)."""
        sentences = config.sentences(slot)
        key = _key(config, sentences, self.instance_dir)
        args = (key, self.instance_dir, config.language, sentences, pcm16)
        if self.pool is None:
            return await asyncio.to_thread(_transcribe, *args, self._cache, self.keep)
        return await asyncio.get_running_loop().run_in_executor(self.pool, _transcribe, *args)

    def prepare(self, configs):
        """Start building, in the background, the recognisers of ``configs`` (BotConfig) with the models installed
        now: after a model is uploaded the first call does not wait for it to load (a big model takes tens of
        seconds). Each pool process gets a job per bot (a process busy loading leaves the next job to another: in
        practice every process builds its own). Return the futures (concurrent.futures), each True when built."""
        jobs = []
        for config in configs:
            sentences = config.sentences()
            args = (_key(config, sentences, self.instance_dir), self.instance_dir, config.language, sentences)
            if self.pool is None:
                jobs.append(concurrent.futures.Future())
                jobs[-1].set_result(_prepare(*args, self._cache, self.keep))
            else:
                jobs += [self.pool.submit(_prepare, *args) for _ in range(self.workers)]
        return jobs

    def close(self):
        """Stop the worker processes."""
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


async def understand(recognition, config, pcm16):
    """Return the matching.Match of one utterance ``pcm16`` (16 kHz) to ``config``'s bot, its text being what was
    heard; a winner with a slot and no value in that text has the same audio heard again with the slot's words.

    Raises asr.AsrUnavailable when the bot's language has no speech model here.
    """
    text = await recognition.transcribe(config, pcm16)
    intents = [intent for _, intent, _ in config.intents]
    result = matching.match(text, intents, config.threshold)
    slot = next((intent.slot for intent in intents if intent.name == result.winner), "")
    if slot and not result.slot_value:
        heard_slot = await recognition.transcribe(config, pcm16, slot)
        result = dataclasses.replace(result, slot_value=matching.slot_value(heard_slot, slot))
    return result
