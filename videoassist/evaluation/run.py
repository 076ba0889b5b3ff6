"""Run an evaluation: ask, score, append each prediction as it comes (resumable), then report.

An item that cannot be scored (a question type or reference the scorer cannot judge, a video that cannot be
read) is written with an `error` field and no score, and the run goes on: it is counted in the report's
`errors`, never in an accuracy.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from tqdm import tqdm

from ..errors import VideoAssistError
from .items import EvalItem
from .report import summarize, write_chart
from .scoring import Scorer, ScoringError


def read_done(path: Path) -> dict[str, dict]:
    """Predictions already written (a line cut short by a crash is ignored; a later line for a key wins)."""
    done = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            done[record["key"]] = record
    return done


def evaluate(assistant, items: list[EvalItem], scorer: Scorer, predictions_path: Path, max_new_tokens: int = 32,
             resume: bool = False, **sampling) -> list[dict]:
    """Ask every item (grouped by video, so the feature cache serves the questions after the first) and append
    each scored prediction to `predictions_path` at once. An item the scorer cannot judge is not asked. With
    `resume`, scored predictions already in the file are kept and the rest (errors included) asked again.
    → all predictions, in item order."""
    done = read_done(predictions_path) if resume else {}
    done = {key: record for key, record in done.items() if "error" not in record}
    if not resume:
        predictions_path.write_text("")
    pending = sorted((i for i in items if i.key not in done), key=lambda i: str(i.video))
    with predictions_path.open("a", encoding="utf-8") as out:
        for item in tqdm(pending, desc="eval", unit="question"):
            started = time.perf_counter()
            record = {"key": item.key, "video": str(item.video), "question": item.question,
                      "reference": item.reference, "question_type": item.question_type, "language": item.language}
            try:
                scorer.check(item.question_type, item.reference)
                record["prediction"] = assistant.ask(item.video, item.question, history=item.history,
                                                     max_new_tokens=max_new_tokens, **sampling).text
                record["score"] = scorer.score(item.question_type, record["prediction"], item.reference)
            except (ScoringError, VideoAssistError) as error:
                record["error"] = str(error)
            record["seconds"] = round(time.perf_counter() - started, 3)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            done[item.key] = record
    return [done[i.key] for i in items]


def write_report(predictions: list[dict], output: Path, title: str, extra: dict) -> dict:
    report = {**summarize(predictions), **extra}
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_chart(report, output.with_suffix(".png"), title)
    return report
