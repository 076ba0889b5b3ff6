"""`videoassist train`: what each stage trains, the loss, checkpoints, resuming, bad videos."""

from __future__ import annotations

import json
import logging
import re

import pytest
from safetensors import safe_open
from transformers import TrainerCallback

from data_tools.synth.vocabulary import COLOURS, MOTIONS, SHAPES
from test_data_fixtures import flawed_folder, synth_folder  # noqa: F401 (fixtures)
from test_train_fixtures import changed, clips, logged_losses, one_thread, recipe, tiny_models, weights  # noqa: F401
from videoassist.checkpoints.sources import load_model
from videoassist.training.trainer import train


PROMPT = "Describe the video."


def caption_data(clips, folder):
    """(stage 1 data, text data): each caption asked for with one prompt, with its video; and as text, the prompt
    led by the caption's content words (colours, shapes, motions) in place of the video."""
    words = {*COLOURS, *SHAPES, *MOTIONS}
    with_video, as_text = [], []
    for record in json.loads((clips / "pretrain_train.json").read_text()):
        caption = record["conversations"][1]["value"]
        hint = " ".join(w for w in re.findall(r"[a-z]+", caption.lower()) if w in words)
        reply = {"from": "gpt", "value": caption}
        with_video.append({**record, "conversations": [{"from": "human", "value": f"<video>\n{PROMPT}"}, reply]})
        as_text.append({"id": record["id"], "conversations": [{"from": "human", "value": f"{hint}\n{PROMPT}"}, reply]})
    (folder / "captions.json").write_text(json.dumps(with_video))
    (folder / "hints.json").write_text(json.dumps(as_text))
    return folder / "captions.json", folder / "hints.json"


def test_stage1_lowers_the_loss_and_trains_only_the_token_builder_and_projector(clips, tiny_models, tmp_path):
    # Stage 1 teaches the projector to speak to an LLM that knows the language and reads what its prompt says. A
    # random tiny LLM does neither, so it first learns (text only, full fine-tuning) to write each caption from
    # the caption's content words given in the prompt; stage 1 must then bring that content in from the video.
    captions, hints = caption_data(clips, tmp_path)
    llm = train(recipe("instruct_full", tmp_path / "llm", tiny_models("valley_v3"), hints, max_steps=120,
                       learning_rate=1e-2))
    assert json.loads((llm.output_dir / "config.json").read_text())["freeze_llm"] is False  # the LLM is stored

    result = train(recipe("pretrain", tmp_path / "stage1", llm.output_dir, captions, f"data.0.video_root={clips}",
                          max_steps=40))
    losses = [loss for _, loss in logged_losses(result.output_dir / "checkpoint-40")]
    assert losses[-1] < 0.7 * losses[0], losses

    before, _ = load_model(str(llm.output_dir))
    after, _ = load_model(str(result.output_dir))
    trained = changed(weights(before), weights(after))
    assert trained and all(name.startswith(("token_builder.", "projector.")) for name in trained), sorted(trained)
    assert any(name.startswith("projector.") for name in trained)
    assert any(name.startswith("token_builder.temporal") for name in trained), sorted(trained)  # Valley v3's


def test_stage2_lora_trains_adapters_and_stage1_modules_and_saves_a_small_checkpoint(clips, tiny_models, tmp_path):
    base = tiny_models("llamavid")
    result = train(recipe("instruct_lora", tmp_path / "lora", base, clips / "instruct_train.json", max_steps=4))
    before, _ = load_model(str(base))
    after, _ = load_model(str(result.output_dir))  # the adapter is applied on loading
    old, new = weights(before), weights(after)
    adapters = {name for name in new if "lora_" in name}
    assert adapters and any("lora_B" in name and new[name].abs().sum() > 0 for name in adapters)  # B starts at 0
    trained = changed(old, {name: new[name] for name in old})
    assert {name.split(".")[0] for name in trained} == {"token_builder", "projector", "query_encoder"}

    with safe_open(result.output_dir / "model.safetensors", "pt") as stored:
        assert not any(key.startswith(("language_model.", "vision_tower.")) for key in stored.keys())
    adapter = result.output_dir / "llm_adapter" / "adapter_model.safetensors"
    with safe_open(adapter, "pt") as stored:
        assert stored.keys() and all("lora_" in key for key in stored.keys())


def test_training_resumes_at_the_saved_step(clips, tiny_models, tmp_path):
    class Steps(TrainerCallback):
        def __init__(self):
            self.done = []

        def on_step_end(self, args, state, control, **kwargs):
            self.done.append(state.global_step)

    base, data, out = tiny_models("llamavid"), clips / "pretrain_train.json", tmp_path / "run"
    first, second = Steps(), Steps()
    train(recipe("pretrain", out, base, data, max_steps=3, save_steps=3, logging_steps=1), callbacks=[first])
    result = train(recipe("pretrain", out, base, data, max_steps=6, save_steps=3, logging_steps=1),
                   callbacks=[second])
    assert first.done == [1, 2, 3]
    assert second.done == [4, 5, 6]  # continued, not restarted
    assert result.resumed_from == out / "checkpoint-3" and result.global_step == 6
    assert [step for step, _ in logged_losses(out / "checkpoint-6")] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("workers", [0, 2])  # 2: DataLoader worker processes append to the same log
def test_missing_and_corrupt_videos_are_skipped_recorded_and_reported(
    flawed_folder, tiny_models, tmp_path, caplog, workers  # noqa: F811 (fixture)
):
    config = recipe("pretrain", tmp_path / "run", tiny_models("valley_v1"), flawed_folder / "flawed.json",
                    f"data.0.video_root={flawed_folder / 'videos'}", num_train_epochs=1,
                    per_device_train_batch_size=2, dataloader_num_workers=workers)
    with caplog.at_level(logging.WARNING, logger="videoassist.training.callbacks"):
        result = train(config)
    assert result.global_step == 3  # 6 records, batch 2: bad ones are replaced by readable ones
    assert result.skipped_samples == {"missing": 1, "unreadable": 2}
    failures = [json.loads(line) for line in (tmp_path / "run" / "failures.jsonl").read_text().splitlines()]
    assert {f["id"] for f in failures} == {"missing", "corrupt", "text"}
    assert "3 samples skipped (missing 1, unreadable 2)" in caplog.text
    assert (tmp_path / "run" / "model.safetensors").is_file()
