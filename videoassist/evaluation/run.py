"""Run an evaluation: ask, score, append each prediction as it comes (resumable), then report."""

from __future__ import annotations

import json
import time
from pathlib import Path

from tqdm import tqdm

from data_tools.synth.scoring import keyword_recall, score_answer

from ..errors import VideoAssistError
from .items import CAPTION, EvalItem
from .report import summarize, write_chart


def score(item: EvalItem, answer: str) -> float:
    if item.question_type == CAPTION:
        return keyword_recall(answer, item.reference)
    return float(score_answer(answer, item.reference, item.question_type))


def read_done(path: Path) -> dict[str, dict]:
    """Predictions already written (a line cut short by a crash is ignored)."""
    done = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            done[record["key"]] = record
    return done


def evaluate(assistant, items: list[EvalItem], predictions_path: Path, max_new_tokens: int = 32,
             resume: bool = False, **sampling) -> list[dict]:
    """Ask every item (grouped by video, so the feature cache serves the questions after the first) and append
    each scored prediction to `predictions_path` at once. → all predictions, in item order."""
    done = read_done(predictions_path) if resume else {}
    if not resume:
        predictions_path.write_text("")
    pending = sorted((i for i in items if i.key not in done), key=lambda i: str(i.video))
    with predictions_path.open("a", encoding="utf-8") as out:
        for item in tqdm(pending, desc="eval", unit="question"):
            started = time.perf_counter()
            record = {"key": item.key, "video": str(item.video), "question": item.question,
                      "reference": item.reference, "question_type": item.question_type, "language": item.language}
            try:
                answer = assistant.ask(item.video, item.question, history=item.history,
                                       max_new_tokens=max_new_tokens, **sampling).text
                record.update(prediction=answer, score=score(item, answer))
            except VideoAssistError as error:  # an unreadable video scores 0 and is reported, the run goes on
                record.update(prediction=None, score=0.0, error=str(error))
            record["seconds"] = round(time.perf_counter() - started, 3)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            out.flush()
            done[item.key] = record
    return [done[i.key] for i in items]


def write_report(predictions: list[dict], output: Path, title: str, extra: dict) -> dict:
    report = {**summarize(predictions), **extra,
              "errors": sum(1 for p in predictions if p.get("error"))}
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_chart(report, output.with_suffix(".png"), title)
    return report
