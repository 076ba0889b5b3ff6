"""VideoAssistant and `videoassist ask`: streamed answers, the feature cache, the JSON output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import videoassist.inference.assistant as assistant_module
from videoassist.inference import VideoAssistant
from videoassist.testing import save_tiny_model

SAMPLES = sorted((Path(__file__).resolve().parent.parent / "samples").rglob("*.mp4"))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return save_tiny_model(tmp_path_factory.mktemp("tiny") / "llamavid", "llamavid")


@pytest.fixture(scope="module")
def assistant(checkpoint):
    return VideoAssistant.load(str(checkpoint))


def test_streaming_yields_the_same_text_as_not_streaming(assistant):
    plain = assistant.ask(SAMPLES[0], "What colour is the circle?", max_new_tokens=12)
    stream = assistant.ask(SAMPLES[0], "What colour is the circle?", max_new_tokens=12, stream=True)
    pieces = list(stream)  # (a random model emits few spaces, so the streamer may flush it in one piece)
    assert "".join(pieces).strip() == plain.text
    assert stream.answer.text == plain.text
    assert plain.text


def test_a_second_question_uses_cached_features(assistant, monkeypatch):
    decodes = []
    real_sample_frames = assistant_module.sample_frames
    monkeypatch.setattr(
        assistant_module, "sample_frames", lambda *a, **k: decodes.append(a) or real_sample_frames(*a, **k)
    )
    video = SAMPLES[1]
    first = assistant.ask(video, "What shape is the red object?", max_new_tokens=4, num_frames=6)
    second = assistant.ask(video, "How many objects are there?", max_new_tokens=4, num_frames=6)
    assert len(decodes) == 1
    assert (first.cached, second.cached) == (False, True)
    assert second.timestamps == first.timestamps and len(first.timestamps) == 6
    third = assistant.ask(video, "How many objects are there?", max_new_tokens=4, num_frames=4)
    assert len(decodes) == 2 and not third.cached  # other sampling, other features


def test_history_adds_one_context_token_per_frame_and_question(assistant):
    first = assistant.ask(SAMPLES[0], "What colour is the circle?", max_new_tokens=4, num_frames=4)
    history = [
        {"role": "user", "content": "What colour is the circle?"},
        {"role": "assistant", "content": first.text},
    ]
    second = assistant.ask(SAMPLES[0], "Which way does it move?", history=history, max_new_tokens=4, num_frames=4)
    assert first.visual_tokens == 4 * 2
    assert second.visual_tokens == 4 * 2 + 4


@pytest.mark.parametrize("extra", [[], ["--precision", "int4"]])
def test_ask_json_from_the_command_line(checkpoint, tmp_path, extra):
    result = subprocess.run(
        [sys.executable, "-m", "videoassist", "ask", str(SAMPLES[2]), "How many objects are there?",
         "--model", str(checkpoint), "--frames", "5", "--json", "--max-new-tokens", "6", *extra],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(answer) >= {"answer", "timestamps", "visual_tokens", "seconds"}
    assert len(answer["timestamps"]) == 5 and answer["timestamps"] == sorted(answer["timestamps"])
    assert answer["visual_tokens"] == 5 * 2


def test_ask_on_a_bad_file_is_one_line_on_stderr(checkpoint, tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    result = subprocess.run(
        [sys.executable, "-m", "videoassist", "ask", str(bad), "What is it?", "--model", str(checkpoint)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and str(bad) in lines[0] and "Traceback" not in result.stderr


def test_closing_a_stream_early_ends_the_generation_and_frees_the_model(assistant, monkeypatch):
    criteria = []
    real_generate = assistant.model.generate

    def generate(**kwargs):
        criteria.extend(kwargs["stopping_criteria"] or [])
        return real_generate(**kwargs)

    monkeypatch.setattr(assistant.model, "generate", generate)
    stream = assistant.ask(SAMPLES[0], "Describe the video.", max_new_tokens=400, stream=True)
    reading = iter(stream)
    next(reading)
    stop = next(c for c in criteria if isinstance(c, assistant_module.StopWhenSet))
    assert not stop.event.is_set()
    stream.close()
    assert not assistant._lock.locked()  # the next question does not wait for 400 tokens nobody reads
    assert bool(stop(torch.zeros(1, 3, dtype=torch.long), None).all())
    assert assistant.ask(SAMPLES[0], "Describe the video.", max_new_tokens=4).text is not None
