"""`videoassist eval`: items from Valley files, scoring, the report and its chart, resuming."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from videoassist.data import read_records
from videoassist.evaluation import eval_items, evaluate, summarize
from videoassist.evaluation.run import write_report
from videoassist.testing import save_tiny_model

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


class ScriptedAssistant:
    """Answers from a table keyed by (video, question): a stand-in for a model, so that the scoring is tested."""

    def __init__(self, answers: dict[tuple, str]):
        self.answers, self.asked = answers, []

    def ask(self, video, question, history=None, **_):
        self.asked.append(question)
        return type("Answer", (), {"text": self.answers.get((video, question), "purple star")})()


def references(items) -> dict[tuple, str]:
    return {(i.video, i.question): i.reference for i in items}


@pytest.fixture(scope="module")
def items():
    return eval_items(read_records(SAMPLES / "eval_train.json"))


def test_items_carry_type_language_and_reference(items):
    records = json.loads((SAMPLES / "eval_train.json").read_text())
    assert len(items) == len(records)
    assert {i.question_type for i in items} >= {"colour", "shape", "count", "motion", "exists"}
    assert {i.language for i in items} == {"en", "zh"}
    assert all(i.video.is_file() and "<video>" not in i.question for i in items)


def test_multi_turn_items_use_the_reference_history():
    items = eval_items(read_records(SAMPLES / "instruct_train.json"))
    later = [i for i in items if i.history]
    assert later and all(i.history[-1]["role"] == "assistant" for i in later)


def test_an_oracle_scores_everything_and_a_wrong_answer_nothing(items, tmp_path):
    oracle = ScriptedAssistant(references(items))
    right = evaluate(oracle, items, tmp_path / "oracle.jsonl")
    assert summarize(right)["overall"] == 1.0
    wrong = evaluate(ScriptedAssistant({}), items, tmp_path / "wrong.jsonl")
    report = summarize(wrong)
    assert report["overall"] < 0.5 and report["n"] == len(items)
    assert set(report["by_language"]) == {"en", "zh"}


def test_summary_arithmetic():
    predictions = [
        {"question_type": "colour", "language": "en", "score": 1.0},
        {"question_type": "colour", "language": "zh", "score": 0.0},
        {"question_type": "count", "language": "en", "score": 1.0},
        {"question_type": "caption", "language": "en", "score": 0.5},
    ]
    report = summarize(predictions)
    assert report["overall"] == pytest.approx(2 / 3, abs=1e-4)  # captions are reported apart
    assert report["by_type"]["colour"] == {"score": 0.5, "n": 2}
    assert report["caption_keyword_recall"] == 0.5
    assert report["by_language"]["en"]["n"] == 3


def test_resume_asks_only_what_is_missing(items, tmp_path):
    path = tmp_path / "predictions.jsonl"
    first = ScriptedAssistant({})
    evaluate(first, items[:5], path)
    with path.open("a") as handle:
        handle.write('{"key": "cut sho')  # a crash mid-line
    again = ScriptedAssistant({})
    predictions = evaluate(again, items, path, resume=True)
    assert len(again.asked) == len(items) - 5
    assert [p["key"] for p in predictions] == [i.key for i in items]


def test_report_and_chart_are_written(items, tmp_path):
    predictions = evaluate(ScriptedAssistant(references(items[::2])), items, tmp_path / "p.jsonl")
    report = write_report(predictions, tmp_path / "report.json", "scripted", {"model": "scripted"})
    saved = json.loads((tmp_path / "report.json").read_text())
    assert saved == report and set(saved) >= {"overall", "by_type", "by_language", "n"}
    assert (tmp_path / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_command_with_a_tiny_model(tmp_path):
    checkpoint = save_tiny_model(tmp_path / "tiny", "valley_v1")
    output = tmp_path / "out" / "report.json"
    result = subprocess.run(
        [sys.executable, "-m", "videoassist", "eval", "--model", str(checkpoint), "--data",
         str(SAMPLES / "eval_train.json"), "--output", str(output), "--limit", "4", "--frames", "4",
         "--max-new-tokens", "4"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(output.read_text())
    assert report["n"] == 4 and 0.0 <= report["overall"] <= 1.0
    assert output.with_suffix(".png").is_file()
    assert len(output.with_suffix(".predictions.jsonl").read_text().splitlines()) == 4
