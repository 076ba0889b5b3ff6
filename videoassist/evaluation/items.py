"""Valley conversations → one evaluation item per assistant reply (the reference answer).

Every reply is asked with the conversation so far as history, the earlier *reference* replies included (teacher
forcing), so one wrong answer does not change the later questions. A question's type and language come from the
data: the question turn's fields first, then the record's, each under any of its usual spellings (TYPE_FIELDS,
LANGUAGE_FIELDS). A reply without a type is a caption, scored by keyword recall; one without a language is
Chinese when it has CJK characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from videoassist.data import Sample
from videoassist.language import language_of

CAPTION = "caption"
# The spellings of the two fields in video QA sets, first found wins (on the turn, then on the record).
TYPE_FIELDS = ("question_type", "qa_type", "type")
LANGUAGE_FIELDS = ("language", "lang")


@dataclass
class EvalItem:
    key: str  # "<sample id>#<turn>": unique, for resuming
    video: Path | None
    history: list[dict]
    question: str
    reference: str
    question_type: str
    language: str
    options: tuple[str, ...] = ()  # a multiple-choice question's option texts, for letters A, B, C, ...
    groups: dict[str, str] = field(default_factory=dict)  # more ways to group the report: {"duration": "short"}
    window: tuple[float, float] | None = None  # the question is about these seconds of the video only
    frame_rate: float | None = None  # the video is a folder of frames shown at this rate


def _field(fields: dict, names: tuple[str, ...]) -> str | None:
    """The first of `names` that `fields` holds as a non-empty string or a number."""
    for name in names:
        value = fields.get(name)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def eval_items(samples: list[Sample]) -> list[EvalItem]:
    items = []
    for sample in samples:
        messages = [m for m in sample.messages if m["role"] != "system"]
        for turn, message in enumerate(messages):
            if message["role"] != "assistant" or turn == 0 or messages[turn - 1]["role"] != "user":
                continue
            question = messages[turn - 1]
            history = [{"role": m["role"], "content": m["content"]} for m in messages[: turn - 1]]
            items.append(
                EvalItem(
                    key=f"{sample.id}#{turn}",
                    video=sample.video,
                    history=history,
                    question=question["content"].replace("<video>", "").strip(),
                    reference=message["content"],
                    question_type=(_field(question, TYPE_FIELDS) or _field(sample.extra, TYPE_FIELDS)
                                   or CAPTION),
                    language=(_field(question, LANGUAGE_FIELDS) or _field(sample.extra, LANGUAGE_FIELDS)
                              or language_of(question["content"])),
                )
            )
    return items
