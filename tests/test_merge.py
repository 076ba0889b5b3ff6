"""`videoassist merge`: LoRA folded into the LLM, a standalone checkpoint with the adapter checkpoint's logits."""

from __future__ import annotations

import json

import numpy as np
import torch
from safetensors import safe_open

from test_train_fixtures import one_thread, tiny_models  # noqa: F401 (fixtures)
from videoassist.cli.main import main
from videoassist.checkpoints.sources import load_model
from videoassist.checkpoints.folder import save_checkpoint
from videoassist.training.config import LoraSettings
from videoassist.training.stages import prepare_for_stage

CONVERSATION = [{"role": "user", "content": "What colour is the circle?"}, {"role": "assistant", "content": "red"},
                {"role": "user", "content": "How many objects are there?"}, {"role": "assistant", "content": "two"}]


def logits(checkpoint, frames):
    model, processor = load_model(str(checkpoint))
    batch = processor([CONVERSATION], videos=[frames])
    with torch.no_grad():
        return model(**{k: v for k, v in batch.items() if k != "labels"}).logits


def test_merge_writes_a_standalone_checkpoint_with_the_same_logits(tiny_models, tmp_path):
    base = tiny_models("llamavid")
    model, processor = load_model(str(base))
    prepare_for_stage(model, "instruct", LoraSettings(r=4, alpha=8, dropout=0.0))
    torch.manual_seed(0)
    for name, param in model.named_parameters():
        if "lora_B" in name:  # B starts at zero: give the adapter an effect, as training would
            param.data.normal_(std=0.05)
    adapter_checkpoint = save_checkpoint(model, processor, tmp_path / "lora")

    merged = tmp_path / "merged"
    assert main(["merge", str(adapter_checkpoint), "--output", str(merged)]) == 0

    config = json.loads((merged / "config.json").read_text())
    assert config["vision_name_or_path"] is None and config["llm_name_or_path"] is None
    assert not (merged / "llm_adapter").exists()
    with safe_open(merged / "model.safetensors", "pt") as stored:
        keys = list(stored.keys())
    assert any(k.startswith("vision_tower.") for k in keys) and any(k.startswith("language_model.") for k in keys)
    assert not any("lora_" in k or "base_layer" in k for k in keys)

    frames = np.random.default_rng(0).integers(0, 256, (3, 40, 48, 3), dtype=np.uint8)
    with_adapter = logits(adapter_checkpoint, frames)
    torch.testing.assert_close(logits(merged, frames), with_adapter, atol=1e-5, rtol=1e-5)
    assert not torch.allclose(logits(base, frames), with_adapter, atol=1e-3)  # the adapter changes the answer
