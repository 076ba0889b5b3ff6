"""The local LLM judge of open-ended answers (`videoassist eval --judge MODEL`): Video-ChatGPT's prompt, a verdict
from any causal LM, verdicts cached so that a rerun asks the judge nothing."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from videoassist.errors import ModelError
from videoassist.evaluation import evaluate, summarize
from videoassist.evaluation.formats import get_format
from videoassist.evaluation.judge import JUDGE_USER, JudgeCache, LLMJudge
from videoassist.testing import save_tiny_model
from videoassist.tiny_tokenizer import tiny_tokenizer

SAMPLE_VIDEO = Path(__file__).resolve().parent.parent / "samples" / "synth" / "synth_000000.mp4"
ANSWERS = {"what is the man doing": "He is cooking.", "is the woman outdoors": "yes", "what color is the car": "red"}


@pytest.fixture(scope="module")
def tiny_judge(tmp_path_factory) -> Path:
    """A 2-layer random Llama with the tiny tokenizer: any causal LM can judge."""
    folder = tmp_path_factory.mktemp("judge")
    torch.manual_seed(0)
    config = LlamaConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, vocab_size=320, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    LlamaForCausalLM(config).save_pretrained(folder)
    tiny_tokenizer().save_pretrained(folder)
    return folder


@pytest.fixture
def activitynet(tmp_path) -> Path:
    folder = tmp_path / "Activitynet_Zero_Shot_QA"
    folder.mkdir()
    (folder / "test_q.json").write_text(json.dumps([
        {"video_name": "a1", "question_id": "v_a1_0", "question": "what is the man doing"},
        {"video_name": "a1", "question_id": "v_a1_3", "question": "is the woman outdoors"},
        {"video_name": "b2", "question_id": "v_b2_4", "question": "what color is the car"},
    ]))
    (folder / "test_a.json").write_text(json.dumps([
        {"answer": "cook", "type": 0, "question_id": "v_a1_0"},
        {"answer": "yes", "type": 3, "question_id": "v_a1_3"},
        {"answer": "red", "type": 4, "question_id": "v_b2_4"},
    ]))
    (folder / "all_test").mkdir()
    for name in ("v_a1.mp4", "v_b2.mp4"):
        (folder / "all_test" / name).write_bytes(SAMPLE_VIDEO.read_bytes())
    return folder


class ScriptedAssistant:
    def ask(self, video, question, history=None, **_):
        return type("Answer", (), {"text": ANSWERS[question]})()


def test_the_prompt_is_video_chatgpts():
    user = JUDGE_USER.format(question="what is he doing", answer="cook", prediction="He cooks.")
    assert "Question: what is he doing\nCorrect Answer: cook\nPredicted Answer: He cooks.\n\n" in user
    assert user.endswith("For example, your response should look like this: {'pred': 'yes', 'score': 4.8}.")


def test_a_tiny_causal_lm_judges_and_its_cache_makes_a_rerun_free(tiny_judge, activitynet, tmp_path):
    items = get_format("activitynet_qa").read(activitynet, None)
    cache = tmp_path / "verdicts.jsonl"
    judge = LLMJudge(str(tiny_judge), cache)
    first = evaluate(ScriptedAssistant(), items, judge, tmp_path / "p1.jsonl")
    assert judge.calls == 3
    for record in first:
        assert record["judge"] in ("yes", "no") and record["judge_score"] in range(6)
        assert record["score"] == float(record["judge"] == "yes")
    lines = [json.loads(line) for line in cache.read_text().splitlines()]
    assert [(r["judge"], r["question"], r["reference"], r["prediction"]) for r in lines] == [
        (str(tiny_judge), i.question, i.reference, ANSWERS[i.question]) for i in items]

    again = LLMJudge(str(tiny_judge), cache)
    second = evaluate(ScriptedAssistant(), items, again, tmp_path / "p2.jsonl")
    assert again.calls == 0 and again._model is None  # not even loaded
    assert [(r["judge"], r["judge_score"]) for r in second] == [(r["judge"], r["judge_score"]) for r in first]
    report = summarize(second)
    judged = [r["judge_score"] for r in second]
    assert report["headline"]["average_score"] == round(sum(judged) / 3, 3)
    assert report["headline"]["accuracy"] == round(100 * sum(r["score"] for r in second) / 3, 2)

    fresh = LLMJudge(str(tiny_judge), tmp_path / "other.jsonl")  # no cache: the same model, the same verdicts
    assert [fresh.verdict(i.question, i.reference, ANSWERS[i.question]) for i in items] == [
        {"pred": r["judge"], "score": r["judge_score"]} for r in first]


def test_a_cut_cache_line_is_ignored_and_other_judges_do_not_share_verdicts(tmp_path):
    path = tmp_path / "cache.jsonl"
    cache = JudgeCache(path)
    cache.put("judge-a", "q", "r", "p", {"pred": "yes", "score": 5})
    with path.open("a") as handle:
        handle.write('{"judge": "judge-a", "question": "q2", "ref')  # a crash mid-line
    reread = JudgeCache(path)
    assert reread.get("judge-a", "q", "r", "p") == {"pred": "yes", "score": 5}
    assert reread.get("judge-b", "q", "r", "p") is None and len(reread.verdicts) == 1


def test_a_judge_that_cannot_load_is_one_line(tmp_path):
    with pytest.raises(ModelError, match=r"^judge .*nothing: cannot be loaded"):
        LLMJudge(str(tmp_path / "nothing"), tmp_path / "c.jsonl").check_model()


def test_eval_command_judges_with_a_local_model(tiny_judge, activitynet, tmp_path):
    checkpoint = save_tiny_model(tmp_path / "tiny", "valley_v1")
    output = tmp_path / "out" / "report.json"

    def run_eval(judge: Path):
        return subprocess.run([sys.executable, "-m", "videoassist", "eval", "--format", "activitynet_qa", "--data",
                               str(activitynet), "--model", str(checkpoint), "--judge", str(judge), "--output",
                               str(output), "--frames", "4", "--max-new-tokens", "3"],
                              capture_output=True, text=True, timeout=300)

    result = run_eval(tiny_judge)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(output.read_text())
    assert report["n"] == 3 and set(report["headline"]) == {"accuracy", "average_score"}
    assert set(report["by_type"]) == {"motion", "yes/no", "color"}
    assert report["scorer"].startswith(f"judge {tiny_judge}")
    assert len(output.with_suffix(".judge.jsonl").read_text().splitlines()) == 3

    wrong = run_eval(tmp_path / "no-judge")  # refused before the video model loads
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    assert wrong.stderr.strip().splitlines()[-1].startswith(f"videoassist eval: error: judge {tmp_path / 'no-judge'}"
                                                            ": cannot be loaded")
