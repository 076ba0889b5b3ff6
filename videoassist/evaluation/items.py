"""Valley conversations → one evaluation item per assistant reply (the reference answer).

Every reply is asked with the conversation so far as history, the earlier *reference* replies included (teacher
forcing), so one wrong answer does not change the later questions. A turn's question type and language come
from the data ("type"/"lang" on the turn, "question_type"/"language" on the record); a reply without a type is a
caption, scored by keyword recall; a turn without a language is Chinese when it has CJK characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from videoassist.data import Sample

CJK = re.compile(r"[\u3400-\u9fff]")
CAPTION = "caption"


@dataclass
class EvalItem:
    key: str  # "<sample id>#<turn>": unique, for resuming
    video: Path | None
    history: list[dict]
    question: str
    reference: str
    question_type: str
    language: str


def language_of(text: str) -> str:
    return "zh" if CJK.search(text) else "en"


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
                    question_type=question.get("type") or sample.extra.get("question_type") or CAPTION,
                    language=question.get("lang") or sample.extra.get("language") or language_of(question["content"]),
                )
            )
    return items
