"""Score a free-text answer against a synthetic-world canonical answer, in English, Chinese or a mix.

Rule (SYNTH_WORLD.md "Scoring"): an answer is right when it contains the reference's vocabulary word and no
other word of the same attribute — "red" is right for red, "red or blue" is wrong. English and Chinese words
of one value are the same answer, and numbers match in any writing (3 = three = 三 = 三个).

Text is read as a sequence of vocabulary tokens:
- English is split at word boundaries, so "no" is not found in "not" or "know", nor "yellow" in "yellowish"
  (a hedge, not an answer);
- Chinese has no spaces, so at each position the longest vocabulary word wins: 三角形 is a shape and not the
  number 三, 不是 is "no" and not 是, 没有变化 is "nothing happens" and not 没有; a few common words that merely
  contain a vocabulary character (一共, 所有, 有没有) are matched and skipped.
For a change-colour event the colour that counts is the one after the change verb, not one introduced by
"from"/"从": "The red square turns yellow" and "从红色变成黄色" answer "changes colour to yellow".
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from data_tools.synth.vocabulary import (ATTRIBUTES, FROM_WORDS_EN, FROM_WORDS_ZH, NEUTRAL_ZH, NUMBERS_EN, NUMBERS_ZH,
                                         QUESTION_TYPES)

# The attributes a question type's answer is judged on. An event answer may carry a colour
# ("changes colour to yellow"); the other types are judged on one attribute.
TYPE_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "colour": ("colour",), "shape": ("shape",), "count": ("count",), "motion": ("motion",),
    "event": ("event", "colour"), "order": ("order",), "exists": ("answer",),
}

# What a caption is about; counts (Chinese captions say 一个 where English says "a") and yes/no are not.
CAPTION_ATTRIBUTES = ("shape", "colour", "motion", "event", "order")


@dataclass(frozen=True)
class Token:
    attribute: str      # a vocabulary attribute, or "from" (marker) / "neutral" (skipped)
    value: str


_CHANGE = Token("event", "changes_colour")
_ENGLISH_WORD = re.compile(r"[a-z]+|[0-9]+")


def _lexicons() -> tuple[dict[str, Token], dict[str, Token]]:
    english: dict[str, Token] = {}
    chinese: dict[str, Token] = {}

    def add(table: dict[str, Token], form: str, token: Token) -> None:
        if table.setdefault(form, token) != token:
            raise ValueError(f"vocabulary form {form!r} means both {table[form]} and {token}")

    for attribute, terms in ATTRIBUTES.items():
        for term in terms.values():
            token = Token(attribute, term.key)
            # Multi-word English canonicals ("at the start") are found through a one-word form ("start").
            for form in (term.en, *term.en_forms):
                if " " not in form:
                    add(english, form, token)
            for form in (term.zh, *term.zh_forms):
                add(chinese, form, token)
    for word, number in NUMBERS_EN.items():
        add(english, word, Token("count", str(number)))
    for char, number in NUMBERS_ZH.items():
        add(chinese, char, Token("count", str(number)))
    for word in FROM_WORDS_EN:
        add(english, word, Token("from", word))
    for word in FROM_WORDS_ZH:
        add(chinese, word, Token("from", word))
    for word in NEUTRAL_ZH:
        add(chinese, word, Token("neutral", word))
    return english, chinese


_EN, _ZH = _lexicons()
_ZH_LONGEST = max(map(len, _ZH))


def tokenize(text: str) -> list[Token]:
    """The vocabulary tokens of `text`, in order (neutral words dropped)."""
    text = unicodedata.normalize("NFKC", text).lower()  # full-width digits and letters become ASCII
    found: list[Token] = []
    i = 0
    while i < len(text):
        if text[i].isascii():
            match = _ENGLISH_WORD.match(text, i)
            if match is None:
                i += 1
                continue
            word = match.group()
            i = match.end()
            token = Token("count", str(int(word))) if word.isdigit() else _EN.get(word)
            if token is not None:
                found.append(token)
            continue
        for length in range(min(_ZH_LONGEST, len(text) - i), 0, -1):
            token = _ZH.get(text[i:i + length])
            if token is not None:
                if token.attribute != "neutral":
                    found.append(token)
                i += length
                break
        else:
            i += 1
    return found


def _values(tokens: list[Token], attributes: tuple[str, ...] | set[str]) -> dict[str, set[str]]:
    """The set of values each of `attributes` takes in `tokens`. When the tokens name a colour change and
    the event is judged, only colours after the change verb and not after "from" count."""
    change_at = tokens.index(_CHANGE) if "event" in attributes and _CHANGE in tokens else None
    values: dict[str, set[str]] = {}
    for i, token in enumerate(tokens):
        if token.attribute not in attributes:
            continue
        if token.attribute == "colour" and change_at is not None and (
                i < change_at or tokens[i - 1].attribute == "from"):
            continue
        values.setdefault(token.attribute, set()).add(token.value)
    return values


def score_answer(prediction: str, reference: str, question_type: str | None = None) -> bool:
    """True when `prediction` gives exactly the reference's value of every attribute the reference names
    (restricted to the attributes of `question_type` when given). Raises ValueError when the reference holds
    no vocabulary word (so a broken reference is never silently scored as wrong)."""
    if question_type is not None and question_type not in TYPE_ATTRIBUTES:
        raise ValueError(f"unknown question type {question_type!r}; expected one of {QUESTION_TYPES}")
    attributes = TYPE_ATTRIBUTES[question_type] if question_type else tuple(ATTRIBUTES)
    expected = _values(tokenize(reference), attributes)
    if not expected:
        raise ValueError(f"reference {reference!r} contains no vocabulary word"
                         + (f" for question type {question_type!r}" if question_type else ""))
    return _values(tokenize(prediction), set(expected)) == expected


def keyword_recall(prediction: str, reference: str) -> float:
    """For captions: the fraction of the reference's vocabulary words (shapes, colours, motions, events,
    order; counted with repeats) that the prediction also says, in either language. Raises ValueError when
    the reference has none."""
    def words(text: str) -> Counter:
        return Counter(t for t in tokenize(text) if t.attribute in CAPTION_ATTRIBUTES)

    wanted = words(reference)
    if not wanted:
        raise ValueError(f"reference {reference!r} contains no vocabulary word")
    return sum((wanted & words(prediction)).values()) / sum(wanted.values())
