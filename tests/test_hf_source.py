"""transformers' own video LLMs as a model source: each tiny HF-native architecture answers through VideoAssistant
(ask, stream, the cache, timestamps, visual_tokens) and `videoassist ask`, with our sampled frames and their times
in the model's own processor and chat template.

The tests marked hf_video need transformers' video processors (torchvision): scripts/test.sh runs them in its
second venv (.venv-hf). The others check the one-line errors, with or without torchvision.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from test_train_fixtures import one_thread  # noqa: F401 (autouse fixture: tiny models run fastest on one thread)
from videoassist.checkpoints.check import HF_VIDEO_MODEL_TYPES, check_model
from videoassist.cli.main import main
from videoassist.errors import ModelError
from videoassist.testing import TINY_HF_ARCHITECTURES, save_tiny_hf_model

REPOSITORY = Path(__file__).resolve().parent.parent
SAMPLES_DIR = REPOSITORY / "samples"
SAMPLES = sorted(SAMPLES_DIR.rglob("*.mp4"))
APP_SCRIPT = str(REPOSITORY / "app" / "streamlit_app.py")
CLIP = SAMPLES[0]
FRAMES = 4
# Positions the video fills for 4 frames of the 168x150 clip: the tiny processors resize to 32x32, Qwen keeps the
# aspect within its pixel bounds (grid of 4-px patches, merged 2x2, one temporal patch per 2 frames).
VISUAL_TOKENS = {
    "llava_onevision": 4 * 4 + 1,  # 2x2-pooled 4x4 grid per frame, one newline
    "qwen2_vl": 2 * 7 * 8,  # 56x64 px: 14x16 patches
    "qwen2_5_vl": 2 * 7 * 8,
    "qwen3_vl": 2 * 3 * 4,  # 24x32 px: 6x8 patches
    "smolvlm": 4 * 4,
    "llava_next_video": 4 * 4,
    "video_llava": 4 * 17,  # 4x4 patches + CLS per frame
    "internvl": 4 * 4,
}
HAS_TORCHVISION = importlib.util.find_spec("torchvision") is not None


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("hf_source")
    return {arch: save_tiny_hf_model(root / arch, arch) for arch in TINY_HF_ARCHITECTURES}


@pytest.fixture(scope="module")
def assistants(folders):
    from videoassist.inference import VideoAssistant

    return {arch: VideoAssistant.load(str(folder)) for arch, folder in folders.items()}


def test_every_tiny_architecture_is_a_supported_model_type():
    assert set(TINY_HF_ARCHITECTURES) == set(HF_VIDEO_MODEL_TYPES)


@pytest.mark.hf_video
@pytest.mark.parametrize("arch", TINY_HF_ARCHITECTURES)
def test_ask_streams_caches_and_reports_the_video(assistants, arch):
    assistant = assistants[arch]
    plain = assistant.ask(CLIP, "What colour is the circle?", max_new_tokens=3, num_frames=FRAMES)
    assert isinstance(plain.text, str) and not plain.cached
    assert len(plain.timestamps) == FRAMES and plain.timestamps == sorted(plain.timestamps)
    assert plain.visual_tokens == VISUAL_TOKENS[arch]
    stream = assistant.ask(CLIP, "What colour is the circle?", max_new_tokens=3, num_frames=FRAMES, stream=True)
    assert "".join(stream).strip() == plain.text == stream.answer.text
    assert stream.answer.cached and stream.answer.timestamps == plain.timestamps
    history = [{"role": "user", "content": "What colour is the circle?"}, {"role": "assistant", "content": "red"}]
    follow_up = assistant.ask(CLIP, "Where does it go?", history=history, max_new_tokens=3, num_frames=FRAMES)
    assert follow_up.cached and follow_up.visual_tokens == plain.visual_tokens  # the video once, in the first turn


@pytest.mark.hf_video
@pytest.mark.parametrize("arch", TINY_HF_ARCHITECTURES)
def test_the_vision_tower_runs_once_per_video_and_its_cached_output_answers_as_the_pixels_do(assistants, arch,
                                                                                            monkeypatch):
    assistant = assistants[arch]
    model, calls = assistant.model, []
    for modality in ("image", "video"):
        encoder = getattr(model.base_model, f"get_{modality}_features", None)
        if encoder is not None:
            counted = functools.wraps(encoder)(lambda *a, _encoder=encoder, **k: calls.append(1) or _encoder(*a, **k))
            monkeypatch.setattr(model.base_model, f"get_{modality}_features", counted)
    video, question = SAMPLES[2], "How many objects are there?"
    first = assistant.ask(video, question, max_new_tokens=3, num_frames=3)
    encoded = len(calls)
    second = assistant.ask(video, "Which one moves?", max_new_tokens=3, num_frames=3)
    assert encoded > 0 and len(calls) == encoded and (first.cached, second.cached) == (False, True)

    entry, _ = assistant.video_features(video, num_frames=3)
    cached = assistant.chat.prompt([{"role": "user", "content": question}], entry).inputs
    pixels = assistant.chat.processed([{"role": "user", "content": question}], entry.features.frames,
                                      entry.features.metadata)
    assert not any(name.startswith("pixel_values") for name in cached)
    with torch.inference_mode():
        assert torch.allclose(model(**cached).logits[0, -1], model(**pixels).logits[0, -1], atol=1e-5)
        output = model.generate(**pixels, max_new_tokens=3, do_sample=False)
    length = pixels["input_ids"].shape[1]
    assert first.text == assistant.chat.decode(output[0, length:]).strip()


@pytest.mark.hf_video
@pytest.mark.parametrize("arch", ["smolvlm", "qwen3_vl"])
def test_the_prompt_carries_our_frame_times(assistants, arch):
    """SmolVLM and Qwen3-VL write each frame's time into the prompt: ours, not a guess from 24 fps."""
    assistant = assistants[arch]
    entry, _ = assistant.video_features(SAMPLES[1], num_frames=FRAMES)
    prompt = assistant.chat.prompt([{"role": "user", "content": "When?"}], entry)
    text = assistant.chat.tokenizer.decode(prompt.inputs["input_ids"][0])
    times = entry.timestamps
    if arch == "smolvlm":
        expected = [f"Frame from 00:{int(t):02d}:" for t in times]
    else:  # one time per temporal patch of 2 frames: their mean
        expected = [f"<{(times[i] + times[i + 1]) / 2:.1f} seconds>" for i in range(0, FRAMES, 2)]
    assert all(marker in text for marker in expected), (expected, text)
    assert times[-1] > 1.0  # the clip is long enough for wrong times (24 fps on indices 0..3) to differ


@pytest.mark.hf_video
def test_sampling_rate_reaches_qwen2_5_vl(assistants):
    """Qwen2.5-VL's temporal positions use seconds per temporal patch: 2 frames / our sampling rate."""
    assistant = assistants["qwen2_5_vl"]
    entry, _ = assistant.video_features(CLIP, fps=2.0)  # 3.5 s: 7 frames, 0.5 s apart
    prompt = assistant.chat.prompt([{"role": "user", "content": "When?"}], entry)
    assert len(entry.timestamps) == 7
    assert float(prompt.inputs["second_per_grid_ts"][0]) == pytest.approx(1.0, abs=0.05)


@pytest.mark.hf_video
@pytest.mark.parametrize("arch", TINY_HF_ARCHITECTURES)
def test_ask_command_json_and_stream(folders, arch, capsys):
    common = [str(CLIP), "How many objects are there?", "--model", str(folders[arch]), "--frames", str(FRAMES),
              "--max-new-tokens", "2"]
    assert main(["ask", *common, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert len(answer["timestamps"]) == FRAMES and answer["visual_tokens"] == VISUAL_TOKENS[arch]
    assert main(["ask", *common, "--stream"]) == 0
    assert capsys.readouterr().out.strip() == answer["answer"]


@pytest.mark.hf_video
@pytest.mark.parametrize("arch", TINY_HF_ARCHITECTURES)
def test_caption_command(folders, arch, tmp_path):
    output = tmp_path / "captions.jsonl"
    assert main(["caption", str(CLIP), str(SAMPLES[1]), "--model", str(folders[arch]), "--output", str(output),
                 "--frames", "2", "--max-new-tokens", "2", "--no-progress"]) == 0
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [(r["path"], r["status"], r["error"]) for r in records] == [(str(CLIP), "ok", None),
                                                                        (str(SAMPLES[1]), "ok", None)]
    assert all(isinstance(r["caption"], str) and len(r["timestamps"]) == 2 for r in records)


@pytest.mark.hf_video
def test_caption_subtitles_one_cue_per_segment(folders, tmp_path):
    """Each segment's frames go to the model on their own, with their own times (Qwen3-VL writes them)."""
    output = tmp_path / "captions.vtt"
    assert main(["caption", str(CLIP), "--model", str(folders["qwen3_vl"]), "--output", str(output),
                 "--segment-seconds", "2", "--frames", "2", "--max-new-tokens", "2", "--no-progress"]) == 0
    cues = [line for line in output.read_text(encoding="utf-8").splitlines() if "-->" in line]
    assert cues[0].startswith("00:00:00.000 --> 00:00:02.000") and cues[1].startswith("00:00:02.000 --> ")
    assert len(cues) == 2


@pytest.mark.hf_video
@pytest.mark.parametrize("arch", TINY_HF_ARCHITECTURES)
def test_eval_command(folders, arch, tmp_path):
    output = tmp_path / "report.json"
    assert main(["eval", "--model", str(folders[arch]), "--data", str(SAMPLES_DIR / "eval_train.json"), "--limit",
                 "2", "--frames", "2", "--max-new-tokens", "2", "--output", str(output)]) == 0
    report = json.loads(output.read_text())
    assert report["n"] == 2 and report["errors"] == 0 and 0.0 <= report["overall"] <= 1.0
    predictions = [json.loads(line) for line in output.with_suffix(".predictions.jsonl").read_text().splitlines()]
    assert all(isinstance(p["prediction"], str) for p in predictions)


@pytest.mark.hf_video
@pytest.mark.parametrize("arch", TINY_HF_ARCHITECTURES)
def test_app_answers_about_a_sample_clip(folders, arch, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("VIDEOASSIST_MODEL", str(folders[arch]))
    app = AppTest.from_file(APP_SCRIPT, default_timeout=120).run()
    app.radio(key="source").set_value("Sample clip").run()
    app.slider(key="num_frames").set_value(FRAMES).run()
    app.slider(key="max_new_tokens").set_value(8).run()
    app.chat_input(key="question").set_value("What moves?").run()
    assert not app.exception and not app.error
    assert any(f"ForConditionalGeneration ({arch}), 8 frames by default" in c.value for c in app.sidebar.caption)
    assert [message.name for message in app.chat_message] == ["user", "assistant"]
    assert f"{FRAMES} frames, 0:00.4–0:03.0" in app.chat_message[1].caption[0].value


@pytest.mark.hf_video
def test_a_device_that_cannot_be_used_is_one_line(folders, capsys):
    assert main(["ask", str(CLIP), "What is it?", "--model", str(folders["internvl"]), "--device", "floppy"]) == 1
    error = capsys.readouterr().err.strip().splitlines()[-1]  # (after the progress bar of loading the weights)
    assert error.startswith("videoassist ask: error: device 'floppy': cannot be used (")


@pytest.mark.skipif(HAS_TORCHVISION, reason="checks the message shown where torchvision is missing")
def test_without_torchvision_loading_is_one_line_saying_what_to_install(folders, capsys):
    assert main(["ask", str(CLIP), "What is it?", "--model", str(folders["qwen2_vl"])]) == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1
    assert "qwen2_vl" in error and "torchvision" in error and 'videoassist[hf]' in error


def test_an_unsupported_model_type_is_one_line_listing_the_supported(tmp_path, capsys):
    folder = tmp_path / "bert"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "bert"}))
    with pytest.raises(ModelError, match="model_type 'bert' is not a video LLM.*: videoassist, llava_onevision.*"):
        check_model(str(folder))
    assert main(["ask", str(CLIP), "What is it?", "--model", str(folder)]) == 1
    error = capsys.readouterr().err.strip()
    assert len(error.splitlines()) == 1 and "qwen2_5_vl" in error


def test_frame_times_as_transformers_reads_them():
    from videoassist.inference.hf_chat import video_metadata

    frames = np.zeros((4, 16, 24, 3), np.uint8)
    metadata = video_metadata(frames, [10.0, 10.5, 11.0, 11.5])  # a segment of a longer video, 2 frames a second
    assert metadata.timestamps == [10.0, 10.5, 11.0, 11.5]
    assert metadata.sampled_fps == pytest.approx(2.0)
    assert (metadata.height, metadata.width, metadata.duration) == (16, 24, 12.0)
