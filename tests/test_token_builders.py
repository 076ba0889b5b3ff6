"""Token builders as plug-ins: one registered from this file (not from the package) builds, saves, reloads and
answers; one found through the entry point group; old flat config.json files load into the builder sub-config."""

from __future__ import annotations

import json
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from videoassist import VideoAssistant
from videoassist.models.videoassist import VideoAssistConfig, VideoAssistForCausalLM, VideoAssistProcessor
from videoassist.models.videoassist.token_builders import (
    ENTRY_POINT_GROUP,
    LlamaVid,
    TokenBuilder,
    TokenBuilderConfig,
    get_token_builder,
    register_token_builder,
    token_builder_names,
)
from videoassist.models.videoassist.token_builders.legacy import FLAT_KEYS
from videoassist.testing import build_tiny_model, save_tiny_model

CLIP = Path(__file__).resolve().parent.parent / "samples" / "synth" / "synth_000001.mp4"


@dataclass
class EveryNthFrameConfig(TokenBuilderConfig):
    stride: int = 2


class EveryNthFrame(TokenBuilder):
    """One token per kept frame (every `stride`-th): its global token, scaled by a learned vector."""

    config_class = EveryNthFrameConfig

    def __init__(self, config):
        super().__init__(config)
        self.scale = nn.Parameter(torch.ones(config.vision_width))

    @classmethod
    def visual_block_sizes(cls, config, num_frames, num_questions=1):
        return [math.ceil(num_frames / config.token_builder_config.stride)]

    def forward(self, features, projector, queries=None):
        return projector(features.global_tokens[:: self.settings.stride] * self.scale)


register_token_builder("test_every_nth_frame", EveryNthFrame)


def batch_for(processor, frames: int = 5):
    video = np.random.default_rng(3).integers(0, 256, (frames, 40, 40, 3), dtype=np.uint8)
    conversation = [{"role": "user", "content": "What shape is it?"}, {"role": "assistant", "content": "a star"}]
    batch = processor([conversation], videos=[video], padding_side="right")
    return {k: v for k, v in batch.items() if k != "labels"}


def test_a_builder_registered_outside_the_package_trains_saves_reloads_and_answers(tmp_path):
    folder = save_tiny_model(tmp_path / "plug", "test_every_nth_frame", seed=7, token_builder_config={"stride": 3})
    saved = json.loads((folder / "config.json").read_text())
    assert saved["token_mode"] == "test_every_nth_frame"
    assert saved["token_builder_config"] == {"freeze": False, "stride": 3}

    original, processor = build_tiny_model("test_every_nth_frame", seed=7, token_builder_config={"stride": 3})
    assert "token_builder" in original.trained_modules()
    loaded = VideoAssistForCausalLM.from_pretrained(folder)
    assert isinstance(loaded.token_builder, EveryNthFrame) and loaded.config.token_builder_config.stride == 3
    with torch.no_grad():
        torch.testing.assert_close(
            original(**batch_for(processor)).logits,
            loaded(**batch_for(VideoAssistProcessor.from_pretrained(folder))).logits,
        )

    answer = VideoAssistant.load(str(folder)).ask(CLIP, "What colour is the circle?", max_new_tokens=4, num_frames=5)
    assert answer.visual_tokens == math.ceil(5 / 3)  # what the builder declared, filled in by what it built
    assert isinstance(answer.text, str) and len(answer.timestamps) == 5


def test_a_builder_is_found_through_its_entry_point(tmp_path, monkeypatch):
    """An installed package names its builder in the `videoassist.token_builders` group; nothing imports it."""
    (tmp_path / "plugin_builders.py").write_text(textwrap.dedent("""
        from videoassist.models.videoassist.token_builders import TokenBuilder

        class LastFrame(TokenBuilder):
            @classmethod
            def visual_block_sizes(cls, config, num_frames, num_questions=1):
                return [1]

            def forward(self, features, projector, queries=None):
                return projector(features.global_tokens[-1:])
    """))
    dist_info = tmp_path / "plugin_builders-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: plugin-builders\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\ntest_last_frame = plugin_builders:LastFrame\n")
    monkeypatch.syspath_prepend(str(tmp_path))

    assert "test_last_frame" in token_builder_names()
    model, processor = build_tiny_model("test_last_frame")
    assert type(model.token_builder).__name__ == "LastFrame"
    assert get_token_builder("test_last_frame") is type(model.token_builder)
    batch = batch_for(processor, frames=4)
    assert int((batch["input_ids"] == processor.video_token_id).sum()) == 1
    with torch.no_grad():
        assert torch.isfinite(model(**batch).logits).all()


def test_registering_checks_what_a_builder_declares():
    with pytest.raises(TypeError, match="not a TokenBuilder subclass"):
        register_token_builder("test_not_a_builder", nn.Linear)

    class WantsQueries(TokenBuilder):
        needs_queries = True

    with pytest.raises(TypeError, match="must subclass QuerySettings"):
        register_token_builder("test_wants_queries", WantsQueries)
    with pytest.raises(ValueError, match="'llamavid' is registered already"):
        register_token_builder("llamavid", EveryNthFrame)
    register_token_builder("llamavid", LlamaVid)  # the same class again: nothing changes
    with pytest.raises(ValueError, match=r"token_mode must be one of \('valley_v1', .*got 'valley_v9'"):
        VideoAssistConfig(token_mode="valley_v9")


def test_builder_settings_are_checked():
    with pytest.raises(ValueError, match="unknown setting 'strides' of EveryNthFrameConfig .did you mean stride"):
        VideoAssistConfig(token_mode="test_every_nth_frame", token_builder_config={"strides": 2})
    with pytest.raises(ValueError, match="content_pool must be 'mean' or 'grid:N'"):
        VideoAssistConfig(token_mode="llamavid", token_builder_config={"content_pool": "grid"})
    with pytest.raises(ValueError, match="query_encoder must be one of"):
        VideoAssistConfig(token_mode="llamavid", token_builder_config={"query_encoder": "perceiver"})
    with pytest.raises(ValueError, match="qformer settings are for query_encoder 'qformer', not 'cross_attention'"):
        VideoAssistConfig(token_mode="llamavid", token_builder_config={"qformer": {"hidden_size": 32}})


def flatten_to_old_format(folder: Path, extra: dict) -> None:
    """Rewrite a checkpoint's config.json as configs were written before builders had sub-configs: every built-in
    builder's settings at the top level (the other modes' too)."""
    config = json.loads((folder / "config.json").read_text())
    settings = config.pop("token_builder_config")
    old_names = {name: key for key, (_, name) in FLAT_KEYS.items()}
    config.update({"content_pool": "mean", "temporal_heads": 8, "temporal_layers": 1, "object_classes": 24,
                   "object_slots": 3, "query_encoder": "cross_attention", "num_queries": 32, "query_heads": 8,
                   "max_query_tokens": 64, "freeze_token_builder": False})
    config.update({old_names[name]: value for name, value in settings.items() if name in old_names})
    config.update(extra)
    (folder / "config.json").write_text(json.dumps(config, indent=2))


@pytest.mark.parametrize(
    ("mode", "settings", "old_keys"),
    [
        ("llamavid", {"content_pool": "grid:2", "max_query_tokens": 16}, {}),
        ("valley_v3", {"temporal_layers": 2, "freeze": True}, {}),
        ("objects", {"slots": 2, "track_steps": 4}, {"object_classes": 3, "object_motions": 5, "object_events": 6,
                                                     "object_max_count": 3}),
    ],
)
def test_an_old_flat_config_loads_into_the_builder_sub_config(tmp_path, mode, settings, old_keys):
    save_tiny_model(tmp_path, mode, seed=3, token_builder_config=settings)
    original = VideoAssistForCausalLM.from_pretrained(tmp_path)
    flatten_to_old_format(tmp_path, old_keys)
    assert "token_builder_config" not in json.loads((tmp_path / "config.json").read_text())

    loaded = VideoAssistForCausalLM.from_pretrained(tmp_path)
    for name, value in settings.items():
        assert getattr(loaded.config.token_builder_config, name) == value
    processor = VideoAssistProcessor.from_pretrained(tmp_path)
    with torch.no_grad():
        torch.testing.assert_close(original(**batch_for(processor)).logits, loaded(**batch_for(processor)).logits)
    assert loaded.token_builder.frozen == settings.get("freeze", False)


def test_old_flat_keys_and_a_sub_config_together_are_refused():
    with pytest.raises(ValueError, match="content_pool: old top-level token builder settings"):
        VideoAssistConfig(token_mode="llamavid", content_pool="grid:2", token_builder_config={"num_queries": 4})
