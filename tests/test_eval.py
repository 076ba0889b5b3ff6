"""`videoassist eval`: items from Valley files, scoring, the report and its chart, resuming, items that cannot
be scored."""

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from videoassist.cli.main import main
from videoassist.data import read_records
from videoassist.errors import VideoError
from videoassist.evaluation import VOCABULARY_FILE, MatchScorer, eval_items, evaluate, load_scorer, summarize
from videoassist.evaluation.run import write_report
from videoassist.language import language_of
from videoassist.testing import save_tiny_model

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SYNTH = load_scorer(SAMPLES / VOCABULARY_FILE)


class ScriptedAssistant:
    """Answers from a table keyed by (video, question): a stand-in for a model, so that the scoring is tested.
    Asking about a video in `unreadable` raises the VideoError a broken file would."""

    def __init__(self, answers: dict[tuple, str], unreadable=()):
        self.answers, self.unreadable, self.asked = answers, set(unreadable), []

    def ask(self, video, question, history=None, **_):
        self.asked.append(question)
        if video in self.unreadable:
            raise VideoError(video, "is not a video (no video stream)")
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
    right = evaluate(oracle, items, SYNTH, tmp_path / "oracle.jsonl")
    assert summarize(right)["overall"] == 1.0
    wrong = evaluate(ScriptedAssistant({}), items, SYNTH, tmp_path / "wrong.jsonl")
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
    evaluate(first, items[:5], SYNTH, path)
    with path.open("a") as handle:
        handle.write('{"key": "cut sho')  # a crash mid-line
    again = ScriptedAssistant({})
    predictions = evaluate(again, items, SYNTH, path, resume=True)
    assert len(again.asked) == len(items) - 5
    assert [p["key"] for p in predictions] == [i.key for i in items]


def test_report_and_chart_are_written(items, tmp_path):
    predictions = evaluate(ScriptedAssistant(references(items[::2])), items, SYNTH, tmp_path / "p.jsonl")
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
    assert report["n"] == 4 and 0.0 <= report["overall"] <= 1.0 and report["errors"] == 0
    assert report["scorer"] == f"answer vocabulary {SAMPLES / VOCABULARY_FILE}"  # found beside the data
    assert output.with_suffix(".png").is_file()
    assert len(output.with_suffix(".predictions.jsonl").read_text().splitlines()) == 4


# ---- fields, scorers, items that cannot be scored ------------------------------------------------------------

def turns(question: str, answer: str, **fields) -> list[dict]:
    return [{"from": "human", "value": f"<video>\n{question}", **fields}, {"from": "gpt", "value": answer}]


def write_json(path: Path, records: list[dict]) -> Path:
    path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    return path


def test_items_read_the_usual_spellings_of_type_and_language(tmp_path):
    records = [
        {"id": "a", "video": "a.mp4", "qa_type": "colour", "lang": "zh", "conversations": turns("什么颜色？", "红色")},
        {"id": "b", "video": "b.mp4", "type": "count", "language": "en", "conversations": turns("How many?", "2")},
        {"id": "c", "video": "c.mp4", "question_type": "shape", "language": "zh",  # the turn's fields win
         "conversations": turns("Which way?", "left", qa_type="motion", language="en")},
        {"id": "d", "video": "d.mp4", "conversations": turns("Where?", "up", question_type="motion", lang="en")},
        {"id": "e", "video": "e.mp4", "conversations": turns("这个视频里有什么？", "一个红色的圆形。")},
    ]
    items = eval_items(read_records(write_json(tmp_path / "qa.json", records)))
    assert [(i.question_type, i.language) for i in items] == [
        ("colour", "zh"), ("count", "en"), ("motion", "en"), ("motion", "en"), ("caption", "zh")]


def test_language_guess_is_chinese_for_any_cjk_ideograph_only():
    assert [language_of(t) for t in ("三角形", "a 𠀀 b", "豈", "Which way?", "䷀ hexagram", "")] == [
        "zh", "zh", "zh", "en", "en", "en"]


def test_a_file_from_elsewhere_is_scored_by_type_and_language_with_normalised_match(tmp_path):
    records = [  # MSVD-QA style: qa_type and lang on the record, free-text references
        {"id": "1", "video": "v1.mp4", "qa_type": "what", "lang": "en", "conversations": turns("What is it?", "a dog")},
        {"id": "2", "video": "v2.mp4", "qa_type": "what", "lang": "en", "conversations": turns("What eats?", "cat")},
        {"id": "3", "video": "v3.mp4", "qa_type": "who", "lang": "zh", "conversations": turns("谁在跑？", "男人")},
        {"id": "4", "video": "v4.mp4", "qa_type": "who", "lang": "en", "conversations": turns("Who sings?", "woman")},
    ]
    items = eval_items(read_records(write_json(tmp_path / "qa.json", records)))
    answers = {(i.video, i.question): a for i, a in zip(items, ["It is A dog!", "a cathedral", "一个男人在跑", "woman"])}
    report = summarize(evaluate(ScriptedAssistant(answers), items, MatchScorer(), tmp_path / "p.jsonl"))
    assert report["by_type"] == {"what": {"score": 0.5, "n": 2}, "who": {"score": 1.0, "n": 2}}
    assert report["by_language"] == {"en": {"score": 0.6667, "n": 3}, "zh": {"score": 1.0, "n": 1}}
    assert report["overall"] == 0.75 and report["errors"] == 0


@pytest.mark.parametrize("prediction, reference, question_type, score", [
    ("Red.", "red", "colour", 1.0),
    ("reddish", "red", "colour", 0.0),
    ("It's a RED car", "red car", "what", 1.0),
    ("a car, red", "red car", "what", 0.0),        # the reference's words together and in order
    ("一个男人", "男人", "who", 1.0),
    ("男孩", "男人", "who", 0.0),
    ("３", "3", "count", 1.0),                     # NFKC: a full-width digit is the digit
    ("three", "3", "count", 0.0),                  # no vocabulary, no number words
    ("a man walks a dog", "The man walks the dog.", "caption", 3 / 5),  # words counted with repeats
    ("一只猫", "一只狗", "caption", 2 / 3),
])
def test_normalised_match(prediction, reference, question_type, score):
    assert MatchScorer().score(question_type, prediction, reference) == pytest.approx(score)


def test_unscorable_items_are_recorded_and_the_run_goes_on(tmp_path):
    sample = eval_items(read_records(SAMPLES / "eval_train.json"))
    good = sample[:6]
    unknown_type = dataclasses.replace(sample[6], key="size#1", question_type="size")
    no_word = dataclasses.replace(sample[7], key="banana#1", question_type="colour", reference="banana")
    broken = dataclasses.replace(sample[8], key="broken#1", video=Path("broken.mp4"))
    items = [good[0], unknown_type, *good[1:3], no_word, broken, *good[3:]]
    path = tmp_path / "p.jsonl"
    assistant = ScriptedAssistant(references(items), unreadable={broken.video})
    predictions = evaluate(assistant, items, SYNTH, path)

    errors = {p["key"]: p["error"] for p in predictions if "error" in p}
    assert set(errors) == {"size#1", "banana#1", "broken#1"}
    assert "unknown question type 'size'" in errors["size#1"]
    assert "'banana' contains no vocabulary word" in errors["banana#1"]
    assert errors["broken#1"] == "broken.mp4: is not a video (no video stream)"
    assert all("score" not in p for p in predictions if "error" in p)
    assert unknown_type.question not in assistant.asked  # not judgeable: the model is not asked
    written = [json.loads(line) for line in path.read_text().splitlines()]
    assert sorted(r["key"] for r in written) == sorted(i.key for i in items)

    report = write_report(predictions, tmp_path / "report.json", "scripted", {})
    assert report["overall"] == 1.0 and report["n"] == len(good)  # errors are not counted as wrong answers
    assert report["errors"] == 3
    assert [e["key"] for e in report["first_errors"]] == ["size#1", "banana#1", "broken#1"]
    assert report["by_type"]["size"] == {"score": None, "n": 0, "errors": 1}
    assert (tmp_path / "report.png").is_file()

    # --resume keeps the scored predictions and tries the errors again: the video has been repaired.
    again = ScriptedAssistant(references(items))
    predictions = evaluate(again, items, SYNTH, path, resume=True)
    assert again.asked == [broken.question]
    assert summarize(predictions)["errors"] == 2 and summarize(predictions)["n"] == len(good) + 1


def test_a_report_with_nothing_scored_says_so(tmp_path):
    predictions = [{"key": f"k{i}", "question_type": "size", "language": "en", "error": "unknown"} for i in range(7)]
    report = write_report(predictions, tmp_path / "report.json", "nothing", {})
    assert report["overall"] is None and report["n"] == 0 and report["errors"] == 7
    assert len(report["first_errors"]) == 5
    assert (tmp_path / "report.png").is_file()


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    return save_tiny_model(tmp_path_factory.mktemp("eval") / "tiny", "valley_v1")


def test_eval_command_scores_what_it_can_and_fails_only_when_nothing_could_be(tiny_model, tmp_path, capsys):
    records = json.loads((SAMPLES / "eval_train.json").read_text())[:2]
    unknown = {**records[0], "id": "odd", "question_type": "size",
               "conversations": [{**records[0]["conversations"][0], "type": "size"}, records[0]["conversations"][1]]}
    common = ["eval", "--model", str(tiny_model), "--video-root", str(SAMPLES), "--vocabulary",
              str(SAMPLES / VOCABULARY_FILE), "--frames", "2", "--max-new-tokens", "2"]

    mixed = write_json(tmp_path / "mixed.json", [records[0], unknown, records[1]])
    assert main([*common, "--data", str(mixed), "--output", str(tmp_path / "mixed" / "report.json")]) == 0
    report = json.loads((tmp_path / "mixed" / "report.json").read_text())
    assert (report["n"], report["errors"], report["first_errors"][0]["key"]) == (2, 1, "odd#1")
    lines = (tmp_path / "mixed" / "report.predictions.jsonl").read_text().splitlines()
    assert [("error" in json.loads(line)) for line in lines].count(True) == 1 and len(lines) == 3
    assert "1 of 3 items not scored, the first odd#1: unknown question type 'size'" in capsys.readouterr().err

    hopeless = write_json(tmp_path / "hopeless.json", [unknown])
    assert main([*common, "--data", str(hopeless), "--output", str(tmp_path / "hopeless" / "report.json")]) == 1
    assert "no item could be scored" in capsys.readouterr().err
    report = json.loads((tmp_path / "hopeless" / "report.json").read_text())
    assert report["n"] == 0 and report["errors"] == 1 and report["overall"] is None
