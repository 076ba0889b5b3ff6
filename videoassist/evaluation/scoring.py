"""Judge a model's answer against the reference: by an answer vocabulary, or by normalised match without one.

With a vocabulary (vocabulary.py; the synthetic world's scoring, SYNTH_WORLD.md, is this rule fed its words): an
answer is right when it names exactly the reference's value of every attribute its question type is judged on,
and no other value of those attributes — "red" is right for red, "red or blue" is wrong. Writings of one value
in any language are the same answer, and numbers match in any writing (3 = three = 三). A caption scores the
fraction of the reference's vocabulary words (counted with repeats) the prediction also says.

Text is read as a sequence of vocabulary tokens:
- ASCII text is split into words, so "no" is not found in "not" or "know", nor "yellow" in "yellowish";
- Chinese has no spaces, so at each position the longest vocabulary word wins: 三角形 is a shape and not the
  number 三, 不是 is "no" and not 是; the vocabulary's neutral words (一共, 有没有) are matched and skipped;
- after the vocabulary's change value (changes colour to) only its target (a colour) after the change counts,
  and not one after a from-word: "The red square turns yellow", "从红色变成黄色" answer "changes colour to yellow".

Without a vocabulary (data from elsewhere): an answer is right when the reference's words, normalised (NFKC, case,
punctuation), appear together and in order among the answer's words ("Red." is right for "red", "reddish" is
not); a caption scores the fraction of the reference's words the prediction also has (unigram recall). Each
Chinese character is a word.

An item that cannot be judged (a question type the vocabulary lacks, a reference with no word the scorer reads)
raises ScoringError: eval reports it as not scored, never as wrong.

Every scorer eval uses judges items (`check_item(item)`, `score_item(item, prediction)` → the fields the
prediction's record gets, "score" among them); these two judge by text through `check` and `score`. Multiple-choice
items are scored by choices.py, open-ended benchmark answers by a local LLM in judge.py.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from videoassist.errors import DataError
from videoassist.language import CJK

from .items import CAPTION, EvalItem
from .vocabulary import AnswerVocabulary, read_vocabulary


class ScoringError(ValueError):
    """An item the scorer cannot judge: the message says why."""


class TextScorer:
    """Item-level judging for the scorers that judge a reference text by question type (`check`, `score`)."""

    def check_item(self, item: EvalItem) -> None:
        self.check(item.question_type, item.reference)

    def score_item(self, item: EvalItem, prediction: str) -> dict:
        return {"score": self.score(item.question_type, prediction, item.reference)}


@dataclass(frozen=True)
class Token:
    attribute: str      # a vocabulary attribute, or "from" (a from-word) / "neutral" (skipped)
    value: str


_ASCII_WORD = re.compile(r"[a-z]+|[0-9]+")
_WORD_FORM = re.compile(r"[a-z]+")


def normalise(text: str) -> str:
    """NFKC (full-width digits and letters become ASCII), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


class VocabularyScorer(TextScorer):
    """Judges by an answer vocabulary (see the module notes). ValueError when two of its values share a
    writing, or a writing is neither one ASCII word nor free of ASCII."""

    def __init__(self, vocabulary: AnswerVocabulary, source: str | os.PathLike | None = None):
        self.vocabulary = vocabulary
        self.description = f"answer vocabulary {source}" if source else "answer vocabulary"
        self._words: dict[str, Token] = {}     # ASCII words, matched whole
        self._phrases: dict[str, Token] = {}   # everything else, matched longest first anywhere
        for form, token in _entries(vocabulary):
            self._add(form, token)
        self._longest = max(map(len, self._phrases), default=0)
        change = vocabulary.change
        self._change = Token(change.attribute, change.value) if change else None
        self._all = (*vocabulary.attributes, *((vocabulary.numbers.attribute,) if vocabulary.numbers else ()))

    def _add(self, form: str, token: Token) -> None:
        form = normalise(form)
        if form.isascii():
            if not _WORD_FORM.fullmatch(form):
                raise ValueError(f"{token.attribute} {token.value!r} has the writing {form!r}: an ASCII writing "
                                 "must be one word of letters (digits are read as numbers)")
            table = self._words
        elif any(char.isascii() for char in form):
            raise ValueError(f"{token.attribute} {token.value!r} has the writing {form!r}, which mixes ASCII "
                             "with other characters")
        else:
            table = self._phrases
        if table.setdefault(form, token) != token:
            raise ValueError(f"the writing {form!r} means both {table[form]} and {token}")

    def tokenize(self, text: str) -> list[Token]:
        """The vocabulary tokens of `text`, in order (neutral words dropped)."""
        text = normalise(text)
        numbers = self.vocabulary.numbers
        found: list[Token] = []
        i = 0
        while i < len(text):
            if text[i].isascii():
                match = _ASCII_WORD.match(text, i)
                if match is None:
                    i += 1
                    continue
                word = match.group()
                i = match.end()
                if word.isdigit():
                    token = Token(numbers.attribute, str(int(word))) if numbers else None
                else:
                    token = self._words.get(word)
                if token is not None:
                    found.append(token)
                continue
            for length in range(min(self._longest, len(text) - i), 0, -1):
                token = self._phrases.get(text[i:i + length])
                if token is not None:
                    if token.attribute != "neutral":
                        found.append(token)
                    i += length
                    break
            else:
                i += 1
        return found

    def _values(self, tokens: list[Token], attributes: tuple[str, ...] | set[str]) -> dict[str, set[str]]:
        """The set of values each of `attributes` takes in `tokens`. When the tokens hold the change value and
        its attribute is judged, only targets after it and not after a from-word count."""
        change = self._change
        change_at = tokens.index(change) if change and change.attribute in attributes and change in tokens else None
        target = self.vocabulary.change.target if change else None
        values: dict[str, set[str]] = {}
        for i, token in enumerate(tokens):
            if token.attribute not in attributes:
                continue
            if token.attribute == target and change_at is not None and (
                    i < change_at or tokens[i - 1].attribute == "from"):
                continue
            values.setdefault(token.attribute, set()).add(token.value)
        return values

    def _expected(self, reference: str, question_type: str | None) -> dict[str, set[str]]:
        if question_type is not None and question_type not in self.vocabulary.question_types:
            raise ScoringError(f"unknown question type {question_type!r}; the answer vocabulary has "
                               f"{', '.join(self.vocabulary.question_types)}")
        attributes = self.vocabulary.question_types[question_type] if question_type else self._all
        expected = self._values(self.tokenize(reference), attributes)
        if not expected:
            raise ScoringError(f"reference {reference!r} contains no vocabulary word"
                               + (f" for question type {question_type!r}" if question_type else ""))
        return expected

    def score_answer(self, prediction: str, reference: str, question_type: str | None = None) -> bool:
        """True when `prediction` gives exactly the reference's value of every attribute the reference names
        (restricted to the attributes of `question_type` when given)."""
        expected = self._expected(reference, question_type)
        return self._values(self.tokenize(prediction), set(expected)) == expected

    def _caption_words(self, text: str) -> Counter:
        counted = self.vocabulary.caption_attributes or self._all
        return Counter(t for t in self.tokenize(text) if t.attribute in counted)

    def keyword_recall(self, prediction: str, reference: str) -> float:
        """The fraction of the reference's caption words (counted with repeats) the prediction also says."""
        wanted = self._caption_words(reference)
        if not wanted:
            raise ScoringError(f"reference {reference!r} contains no vocabulary word")
        return sum((wanted & self._caption_words(prediction)).values()) / sum(wanted.values())

    def check(self, question_type: str, reference: str) -> None:
        """ScoringError when an item of this type and reference cannot be judged."""
        if question_type == CAPTION:
            if not self._caption_words(reference):
                raise ScoringError(f"reference {reference!r} contains no vocabulary word")
        else:
            self._expected(reference, question_type)

    def score(self, question_type: str, prediction: str, reference: str) -> float:
        """1.0 / 0.0 for a short answer, keyword recall for a caption."""
        if question_type == CAPTION:
            return self.keyword_recall(prediction, reference)
        return float(self.score_answer(prediction, reference, question_type))


def _entries(vocabulary: AnswerVocabulary) -> Iterator[tuple[str, Token]]:
    """Every writing the vocabulary lists, with the token it reads as."""
    for attribute, values in vocabulary.attributes.items():
        for value, writings in values.items():
            for forms in writings.values():
                yield from ((form, Token(attribute, value)) for form in forms)
    if vocabulary.numbers is not None:
        for words in vocabulary.numbers.words.values():
            yield from ((word, Token(vocabulary.numbers.attribute, str(n))) for word, n in words.items())
    if vocabulary.change is not None:
        for words in vocabulary.change.from_words.values():
            yield from ((word, Token("from", word)) for word in words)
    for words in vocabulary.neutral.values():
        yield from ((word, Token("neutral", word)) for word in words)


_MATCH_WORD = re.compile(rf"{CJK.pattern}|(?:(?!{CJK.pattern})[^\W_])+")


def match_words(text: str) -> list[str]:
    """The words normalised match compares: NFKC, lower case, punctuation dropped, each Chinese character a word."""
    return _MATCH_WORD.findall(normalise(text))


class MatchScorer(TextScorer):
    """The default without a vocabulary: normalised match (see the module notes). Short answers also get
    `exact`: 1.0 when the answer's words are exactly the reference's."""

    description = "normalised match"

    def score_item(self, item: EvalItem, prediction: str) -> dict:
        fields = super().score_item(item, prediction)
        if item.question_type != CAPTION:
            fields["exact"] = float(match_words(prediction) == match_words(item.reference))
        return fields

    def check(self, question_type: str, reference: str) -> None:
        if not match_words(reference):
            raise ScoringError(f"reference {reference!r} has no word to match")

    def score(self, question_type: str, prediction: str, reference: str) -> float:
        self.check(question_type, reference)
        wanted, said = match_words(reference), match_words(prediction)
        if question_type == CAPTION:
            return sum((Counter(wanted) & Counter(said)).values()) / len(wanted)
        return float(any(said[i:i + len(wanted)] == wanted for i in range(len(said) - len(wanted) + 1)))


class Scorer(Protocol):
    """What eval asks of a scorer (these two, choices.ChoiceScorer, judge.LLMJudge)."""

    description: str

    def check_item(self, item: EvalItem) -> None:
        """ScoringError when the item cannot be judged (it is then not asked)."""

    def score_item(self, item: EvalItem, prediction: str) -> dict:
        """The fields of the prediction's record: "score" (1/0, or recall for a caption), and any details."""


def load_scorer(vocabulary: str | os.PathLike | None) -> Scorer:
    """The scorer eval uses: the answer vocabulary in the file `vocabulary`, or normalised match when None."""
    if vocabulary is None:
        return MatchScorer()
    try:
        return VocabularyScorer(read_vocabulary(vocabulary), source=vocabulary)
    except ValueError as error:
        raise DataError(Path(vocabulary), f"is not an answer vocabulary: {error}") from None
