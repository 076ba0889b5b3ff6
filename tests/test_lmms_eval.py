"""`lmms-eval --model videoassist`: our model as an lmms-eval plug-in, run on a task defined here (no hub access).
Runs only where lmms-eval is installed (docs/EVAL.md, "lmms-eval": pip install -e ".[eval]" and lmms-eval with
--no-deps); skipped elsewhere."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("lmms_eval", reason="lmms-eval is not installed (docs/EVAL.md: lmms-eval)")

from videoassist.inference import VideoAssistant  # noqa: E402
from videoassist.testing import save_tiny_model  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "synth"
TASK_UTILS = '''
def doc_to_visual(doc):
    return [doc["video"]]


def doc_to_text(doc, lmms_eval_specific_kwargs=None):
    return doc["question"]


def process_results(doc, results):
    return {"exact": float(results[0].strip() == doc["answer"])}
'''
TASK_YAML = '''task: videoassist_tiny_qa
dataset_path: json
dataset_kwargs:
  data_files:
    test: {docs}
test_split: test
output_type: generate_until
doc_to_visual: !function utils.doc_to_visual
doc_to_text: !function utils.doc_to_text
doc_to_target: answer
generation_kwargs:
  max_new_tokens: 3
  until: ["\\n"]
process_results: !function utils.process_results
metric_list:
  - metric: exact
    aggregation: mean
    higher_is_better: true
'''


def test_the_entry_point_names_our_model():
    from lmms_eval.models import get_model

    from videoassist.evaluation.lmms_eval_model import VideoAssistLMM

    assert get_model("videoassist") is VideoAssistLMM


def test_lmms_eval_runs_a_tiny_model_on_a_local_task(tmp_path):
    checkpoint = save_tiny_model(tmp_path / "tiny", "valley_v1")
    docs = [{"video": str(SAMPLES / "synth_000000.mp4"), "question": "What colour is the circle?", "answer": "red"},
            {"video": str(SAMPLES / "synth_000001.mp4"), "question": "How many objects are there?", "answer": "2"}]
    (tmp_path / "docs.json").write_text(json.dumps(docs))
    tasks = tmp_path / "tasks"
    tasks.mkdir()
    (tasks / "utils.py").write_text(TASK_UTILS)
    (tasks / "tiny.yaml").write_text(TASK_YAML.format(docs=tmp_path / "docs.json"))
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lmms-eval"), "--model", "videoassist", "--model_args",
         f"pretrained={checkpoint},frames=4", "--tasks", "videoassist_tiny_qa", "--include_path", str(tasks),
         "--batch_size", "1", "--output_path", str(tmp_path / "out"), "--log_samples"],
        capture_output=True, text=True, timeout=600, env=environment, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    results = list((tmp_path / "out").rglob("*_results.json"))
    assert len(results) == 1, result.stdout[-3000:] + result.stderr[-3000:]  # lmms-eval exits 0 on some errors
    assert "exact,none" in json.loads(results[0].read_text())["results"]["videoassist_tiny_qa"]
    samples = [json.loads(line) for line in next((tmp_path / "out").rglob("*_samples_*.jsonl")).read_text().splitlines()]

    # the answers are ours: our sampler (4 frames), our chat template, greedy, the task's max_new_tokens and stops
    assistant = VideoAssistant.load(str(checkpoint))
    expected = [assistant.ask(doc["video"], doc["question"], max_new_tokens=3, num_frames=4).text.split("\n")[0]
                for doc in docs]
    assert [sample["filtered_resps"] for sample in sorted(samples, key=lambda s: s["doc_id"])] == expected


def test_unknown_model_args_are_refused():
    from videoassist.evaluation.lmms_eval_model import VideoAssistLMM

    with pytest.raises(ValueError, match="unknown model_args conv_template"):
        VideoAssistLMM.create_from_arg_string("pretrained=demo,conv_template=vicuna")
