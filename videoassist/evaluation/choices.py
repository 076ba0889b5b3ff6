"""Multiple-choice answers (MVBench, Video-MME), scored exactly: the option the answer picks must be the reference.

An item's `options` are the option texts in letter order (A, B, C, ...) and its `reference` is the right letter.
The option an answer picks is read in this order:

1. a leading answer phrase is dropped ("The best answer is", "The correct answer is", "The answer is",
   "Answer:", "Best option:"), case and a trailing colon ignored;
2. an option letter that starts the answer: "B", "(B)", "B.", "B)", "B:", "B\n...", "B is correct" (a capital
   then punctuation, a line break or nothing; or then a space, unless it is "A" or "I", so the article in
   "A man cooks" is not letter A);
3. else an option letter after "answer is" or "option is" anywhere: "I think the answer is (C)";
4. else the option whose text appears in the answer (normalised match: NFKC, case, punctuation; words together and
   in order), when exactly one does after dropping options whose words lie inside another matched option's
   ("red car" wins over "red").

An answer that picks nothing, or two options, is wrong; the record's "choice" says which letter was read (null for
none).
"""

from __future__ import annotations

import re
import string

from .items import EvalItem
from .scoring import ScoringError, match_words

LETTERS = string.ascii_uppercase
_ANSWER_PHRASE = re.compile(
    r"^\s*(?:the\s+best\s+answer\s+is|the\s+correct\s+answer\s+is|the\s+answer\s+is|answer|best\s+option)\s*:?\s*",
    re.IGNORECASE)
_LEADING_LETTER = re.compile(r"^\(?([A-Z])(?:[).:,]|\s*$|\s*\n|\s*\()|^([B-HJ-Z])\s")
_NAMED_LETTER = re.compile(r"(?i:answer|option)\s+is\s*:?\s*\(?([A-Z])\b(?!')")


def letter_prompt(options: list[str] | tuple[str, ...]) -> str:
    """The options as "(A) text" lines, the layout MVBench's own evaluation asks with."""
    return "\n".join(f"({LETTERS[i]}) {option}" for i, option in enumerate(options))


def _contains(words: list[str], part: list[str]) -> bool:
    return bool(part) and any(words[i:i + len(part)] == part for i in range(len(words) - len(part) + 1))


def read_choice(prediction: str, options: tuple[str, ...]) -> str | None:
    """The letter of the option `prediction` picks (see the module notes), or None."""
    text = _ANSWER_PHRASE.sub("", prediction.strip(), count=1).strip()
    leading, named = _LEADING_LETTER.match(text), _NAMED_LETTER.search(prediction)
    for letter in (leading and (leading.group(1) or leading.group(2)), named and named.group(1)):
        if letter and letter in LETTERS[:len(options)]:
            return letter
    said = match_words(text)
    found = {i: match_words(option) for i, option in enumerate(options) if _contains(said, match_words(option))}
    kept = [i for i, words in found.items()
            if not any(j != i and words != other and _contains(other, words) for j, other in found.items())]
    return LETTERS[kept[0]] if len(kept) == 1 else None


class ChoiceScorer:
    """Exact multiple-choice scoring: 1.0 when the option the answer picks is the reference letter."""

    description = "multiple choice: the option letter or text the answer gives"

    def check_item(self, item: EvalItem) -> None:
        if not item.options:
            raise ScoringError("the question has no options")
        if item.reference not in LETTERS[:len(item.options)]:
            raise ScoringError(f"the answer {item.reference!r} is not one of the options "
                               f"{', '.join(LETTERS[:len(item.options)])}")

    def score_item(self, item: EvalItem, prediction: str) -> dict:
        choice = read_choice(prediction, item.options)
        return {"score": float(choice == item.reference), "choice": choice}
