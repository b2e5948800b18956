"""Which intent a phrase means: fuzzy scores against each intent's examples and keywords (pure).

An intent's score (0-100) is the best of: its example phrases compared with the phrase
(rapidfuzz's token-set ratio, so word order and extra words cost little), and its keywords found
among the phrase's words (exact, or fuzzy at 85 and more for keywords longer than 4 letters: "call
a" must not pass for "call back", shared/notes/voicebot.md). The best intent wins when it reaches
the bot's threshold and beats the second by MARGIN points; otherwise the bot asks again.
"""
import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz

#: Points the winner must lead the runner-up by (less: ambiguous, the bot asks again).
MARGIN = 5
#: Fuzzy keyword matches: at least this ratio, and only for keywords longer than SHORT letters.
KEYWORD_RATIO = 85
SHORT = 4

_YES = {"yes", "yeah", "yep", "sure", "correct", "right", "ok", "okay", "sim", "claro", "isso", "certo"}
_NO = {"no", "nope", "nah", "não", "nao", "negative"}
_NUMBERS = {
    "zero": 0, "oh": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "um": 1, "uma": 1, "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6, "sete": 7,
    "oito": 8, "nove": 9, "dez": 10,
}
SLOTS = ("", "number", "yes_no")
#: Words that say nothing about what the caller wants: left out when phrases are compared ("me please"
#: must not score 100 against "please call me back later").
STOP_WORDS = frozenset("""a an the i me my we you to of for and or is are am be it this that please would like
want need can could with on in at do have has hi hello ok uh um o a os as um uma eu meu minha de do da para por
favor com e quero preciso gostaria""".split())


@dataclass(frozen=True)
class Intent:
    """What the matcher needs of an intent: a name, example phrases and keywords."""

    name: str
    phrases: tuple = ()
    keywords: tuple = ()
    slot: str = ""


@dataclass(frozen=True)
class Score:
    """One intent's score against a phrase, and why (the example or keyword that scored)."""

    intent: str
    score: int
    because: str = ""


@dataclass(frozen=True)
class Match:
    """The result for one phrase: every score (best first), the winner (None: ask again) and a slot value."""

    text: str
    scores: tuple
    winner: str | None
    slot_value: str = ""


def normalize(text):
    """Return ``text`` lower case, without accents or punctuation, single-spaced.

    Letters of any script are kept (recomposed after the accents go: NFKD splits a Hangul syllable into its
    jamo): an uploaded model may hear a language whose words are not Latin (decision 045)."""
    text = unicodedata.normalize("NFKD", (text or "").lower())
    text = unicodedata.normalize("NFC", "".join(char for char in text if not unicodedata.combining(char)))
    return " ".join(re.findall(r"(?:[^\W_]|')+", text))


def split_phrases(text):
    """Return the non-empty lines of ``text`` (one example phrase a line)."""
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def split_keywords(text):
    """Return the keywords of ``text`` (separated by commas)."""
    return tuple(word.strip() for word in (text or "").split(",") if word.strip())


def score(text, intent):
    """Return the Score of ``intent`` for ``text``."""
    said = normalize(text)
    words = said.split()
    best = Score(intent.name, 0)
    if not said:
        return best
    content = " ".join(word for word in words if word not in STOP_WORDS)
    for phrase in intent.phrases:
        example = " ".join(word for word in normalize(phrase).split() if word not in STOP_WORDS)
        value = round(fuzz.token_set_ratio(content, example)) if content and example else 0
        if value > best.score:
            best = Score(intent.name, value, phrase)
    for keyword in intent.keywords:
        key = normalize(keyword)
        if not key:
            continue
        if " " in key:
            hit = 100 if f" {key} " in f" {said} " else 0
        elif key in words:
            hit = 100
        elif len(key) > SHORT:
            ratio = max((fuzz.ratio(key, word) for word in words), default=0)
            hit = round(ratio) if ratio >= KEYWORD_RATIO else 0
        else:
            hit = 0
        if hit > best.score:
            best = Score(intent.name, hit, keyword)
    return best


def slot_value(text, slot):
    """Return the value of ``slot`` in ``text``: digits for "number", "yes"/"no" for "yes_no", else ""."""
    words = normalize(text).split()
    if slot == "yes_no":
        for word in words:
            if word in _YES:
                return "yes"
            if word in _NO:
                return "no"
        return ""
    if slot == "number":
        digits = "".join(re.findall(r"\d+", " ".join(words)))
        if digits:
            return digits
        total, found = 0, False
        out = []
        for word in words:
            if word in _NUMBERS:
                value = _NUMBERS[word]
                # "twenty one" adds up; "four two" is two digits.
                if found and total >= 20 and total % 10 == 0 and value < 10:
                    total += value
                else:
                    if found:
                        out.append(str(total))
                    total, found = value, True
        if found:
            out.append(str(total))
        return "".join(out)
    return ""


def match(text, intents, threshold):
    """Return the Match of ``text`` against ``intents`` (Intent) with ``threshold`` (0-100)."""
    scores = sorted((score(text, intent) for intent in intents), key=lambda item: -item.score)
    winner = None
    if scores and scores[0].score >= threshold:
        runner_up = scores[1].score if len(scores) > 1 else 0
        if scores[0].score - runner_up >= MARGIN:
            winner = scores[0].intent
    value = ""
    if winner is not None:
        slot = next(intent.slot for intent in intents if intent.name == winner)
        value = slot_value(text, slot)
    return Match(text, tuple(scores), winner, value)
