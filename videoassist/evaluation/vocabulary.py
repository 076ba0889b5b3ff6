"""The answer vocabulary: the words short answers are judged on, handed to the scorer as data (a JSON file).

`videoassist eval` reads `answer_vocabulary.json` beside the data file, or the file `--vocabulary` names; the
synthetic world writes its own beside its eval files. Without one, answers are judged by normalised match (see
scoring.py). The file:

    {
      "attributes": {                      attribute → value → language → its writings
        "colour": {"red": {"en": ["red"], "zh": ["红色", "红"]}, ...},
        "shape": {...}, ...
      },
      "question_types": {                  question type → the attributes its answer is judged on
        "colour": ["colour"], "event": ["event", "colour"], ...
      },
      "caption_attributes": ["shape", ...],  what caption keyword recall counts (default: every attribute)
      "numbers": {"attribute": "count",      number words, read as that attribute's value; digits always are
                  "words": {"en": {"three": 3, ...}, "zh": {"三": 3, ...}}},
      "change": {"attribute": "event", "value": "changes_colour", "target": "colour",
                 "from_words": {"en": ["from"], "zh": ["从"]}},
                                           after this value only the target word after it counts, not one
                                           after a from-word ("turns from red to yellow" answers yellow)
      "neutral": {"zh": ["一共", ...]}      words matched and skipped: they contain a vocabulary word, mean none
    }

Languages are labels: a writing of ASCII letters is matched as a whole word, any other (Chinese) is found
anywhere in the text, longest first. Only "attributes" and "question_types" are required.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from videoassist.checkpoints.atomic import open_atomic
from videoassist.errors import DataError

VOCABULARY_FILE = "answer_vocabulary.json"
MARKERS = ("from", "neutral")  # what the scorer calls from-words and neutral words: not attribute names

Writings = dict[str, tuple[str, ...]]  # language → words


@dataclass(frozen=True)
class NumberWords:
    attribute: str                          # the attribute numbers are values of ("count")
    words: dict[str, dict[str, int]]        # language → word → number


@dataclass(frozen=True)
class ChangeRule:
    attribute: str      # "event"
    value: str          # "changes_colour"
    target: str         # "colour": the value changed to is the one that counts
    from_words: Writings


@dataclass(frozen=True)
class AnswerVocabulary:
    attributes: dict[str, dict[str, Writings]]
    question_types: dict[str, tuple[str, ...]]
    caption_attributes: tuple[str, ...] = ()
    numbers: NumberWords | None = None
    change: ChangeRule | None = None
    neutral: Writings = field(default_factory=dict)

    def __post_init__(self) -> None:
        known = set(self.attributes) | ({self.numbers.attribute} if self.numbers else set())
        if not self.attributes:
            raise ValueError('"attributes" is empty')
        clash = sorted(set(MARKERS) & known)
        if clash:
            raise ValueError(f'"{clash[0]}" cannot be an attribute name (the scorer uses it for its own words)')
        if not self.question_types:
            raise ValueError('"question_types" is empty')
        for name, attributes in self.question_types.items():
            _known(attributes, known, f'question type "{name}"')
        _known(self.caption_attributes, known, '"caption_attributes"')
        if self.change is not None:
            _known((self.change.attribute, self.change.target), known, '"change"')
            if self.change.value not in self.attributes.get(self.change.attribute, {}):
                raise ValueError(f'"change" names value "{self.change.value}", which attribute '
                                 f'"{self.change.attribute}" does not have')

    @classmethod
    def from_json(cls, data: Any) -> AnswerVocabulary:
        """The vocabulary a parsed JSON file describes; ValueError saying which field is wrong."""
        data = _mapping(data, "the file")
        unknown = set(data) - {"attributes", "question_types", "caption_attributes", "numbers", "change", "neutral"}
        if unknown:
            raise ValueError(f"unknown field {sorted(unknown)[0]!r}")
        numbers = change = None
        if "numbers" in data:
            spec = _mapping(data["numbers"], '"numbers"')
            words = {lang: {word: _number(n, f'"numbers" word {word!r}') for word, n in
                            _mapping(table, f'"numbers" "{lang}"').items()}
                     for lang, table in _mapping(spec.get("words"), '"numbers" "words"').items()}
            numbers = NumberWords(_string(spec.get("attribute"), '"numbers" "attribute"'), words)
        if "change" in data:
            spec = _mapping(data["change"], '"change"')
            names = (_string(spec.get(key), f'"change" "{key}"') for key in ("attribute", "value", "target"))
            change = ChangeRule(*names, _writings(spec.get("from_words", {}), '"change" "from_words"'))
        return cls(
            attributes={attribute: {value: _writings(forms, f"{attribute}.{value}")
                                    for value, forms in _mapping(values, f'attribute "{attribute}"').items()}
                        for attribute, values in _mapping(data.get("attributes"), '"attributes"').items()},
            question_types={name: _strings(attributes, f'question type "{name}"') for name, attributes in
                            _mapping(data.get("question_types"), '"question_types"').items()},
            caption_attributes=_strings(data.get("caption_attributes", []), '"caption_attributes"'),
            numbers=numbers, change=change, neutral=_writings(data.get("neutral", {}), '"neutral"'),
        )

    def to_json(self) -> dict:
        data: dict[str, Any] = {
            "attributes": {attribute: {value: {lang: list(forms) for lang, forms in writings.items()}
                                       for value, writings in values.items()}
                           for attribute, values in self.attributes.items()},
            "question_types": {name: list(attributes) for name, attributes in self.question_types.items()},
        }
        if self.caption_attributes:
            data["caption_attributes"] = list(self.caption_attributes)
        if self.numbers is not None:
            data["numbers"] = {"attribute": self.numbers.attribute, "words": self.numbers.words}
        if self.change is not None:
            data["change"] = {"attribute": self.change.attribute, "value": self.change.value,
                              "target": self.change.target,
                              "from_words": {lang: list(words) for lang, words in self.change.from_words.items()}}
        if self.neutral:
            data["neutral"] = {lang: list(words) for lang, words in self.neutral.items()}
        return data


def read_vocabulary(path: str | os.PathLike) -> AnswerVocabulary:
    """The vocabulary in the JSON file `path`; DataError naming the file and the problem."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(path, f"cannot be read ({error})") from None
    except json.JSONDecodeError as error:
        raise DataError(path, f"is not valid JSON (line {error.lineno}: {error.msg})") from None
    try:
        return AnswerVocabulary.from_json(data)
    except ValueError as error:
        raise DataError(path, f"is not an answer vocabulary: {error}") from None


def write_vocabulary(vocabulary: AnswerVocabulary, path: str | os.PathLike) -> None:
    """Write `vocabulary` as JSON; the file appears only when complete."""
    with open_atomic(path) as file:
        file.write(_json_lines(vocabulary.to_json()) + "\n")


def _json_lines(value: Any, depth: int = 0, open_levels: int = 3) -> str:
    """JSON with one key per line in the first `open_levels` levels and each deeper value on one line: a value's
    writings side by side, easy to read and to edit."""
    if not isinstance(value, dict) or depth == open_levels:
        return json.dumps(value, ensure_ascii=False)
    pad = " " * (depth + 1)
    items = (f"{pad}{json.dumps(key, ensure_ascii=False)}: {_json_lines(item, depth + 1, open_levels)}"
             for key, item in value.items())
    return "{\n" + ",\n".join(items) + "\n" + " " * depth + "}"


def find_vocabulary(data: str | os.PathLike, explicit: str | os.PathLike | None = None) -> Path | None:
    """The vocabulary to judge `data` with: `explicit` when given, else `answer_vocabulary.json` beside the data
    file when there is one, else None (normalised match)."""
    if explicit is not None:
        return Path(explicit)
    beside = Path(data).parent / VOCABULARY_FILE
    return beside if beside.is_file() else None


def _known(attributes: tuple[str, ...], known: set[str], where: str) -> None:
    for attribute in attributes:
        if attribute not in known:
            raise ValueError(f'{where} names attribute "{attribute}", which "attributes" does not define')


def _mapping(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be a JSON object")
    return value


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where} must be a non-empty string")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(f"{where} must be a list of strings")
    return tuple(_string(item, where) for item in value)


def _number(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{where} must be a whole number, not {value!r}")
    return value


def _writings(value: Any, where: str) -> Writings:
    return {lang: _strings(forms, f"{where} \"{lang}\"") for lang, forms in _mapping(value, where).items()}
