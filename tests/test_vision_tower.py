"""The vision tower wrapper gives a global token and a patch grid whatever the tower is."""

import numpy as np
import pytest
import torch
from transformers import ResNetConfig, SiglipVisionConfig

from videoassist.testing import build_tiny_model


def towers():
    siglip = SiglipVisionConfig(
        hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4, image_size=32, patch_size=8
    )
    resnet = ResNetConfig(embedding_size=16, hidden_sizes=[16, 24], depths=[1, 1], layer_type="basic")
    return [
        ("siglip", {"vision_config": siglip.to_dict()}, 16, 32),
        # ResNet: stem /4, stage 2 /2 → 32 px gives a 4×4 map of 24 channels
        ("resnet", {"vision_config": resnet.to_dict(), "select_layer": -1, "vision_grid": 4}, 16, 24),
    ]


@pytest.mark.parametrize(("name", "overrides", "patches", "width"), towers(), ids=lambda v: v if isinstance(v, str) else "")
@pytest.mark.parametrize("mode", ["valley_v1", "llamavid"])
def test_any_tower_yields_global_and_patch_tokens(name, overrides, patches, width, mode):
    model, processor = build_tiny_model(mode, **overrides)
    assert model.config.vision_width == width
    video = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    pixels = processor.video_processor(video)["pixel_values_videos"]
    with torch.no_grad():
        features = model.get_video_features(pixels, [3])[0]
    assert features.patch_tokens.shape == (3, patches, width)
    assert features.global_tokens.shape == (3, width)
    batch = processor([[{"role": "user", "content": "What is it?"}]], videos=[video], add_generation_prompt=True)
    with torch.no_grad():
        out = model(**{k: v for k, v in batch.items() if k != "labels"})
    assert torch.isfinite(out.logits).all()


def test_clip_global_token_is_the_cls_token():
    model, processor = build_tiny_model("valley_v1")
    pixels = processor.video_processor(np.zeros((2, 32, 32, 3), dtype=np.uint8))["pixel_values_videos"]
    with torch.no_grad():
        features = model.get_video_features(pixels, [2])[0]
        hidden = model.vision_tower.model(pixel_values=pixels, output_hidden_states=True).hidden_states[-2]
    torch.testing.assert_close(features.global_tokens, hidden[:, 0])
    torch.testing.assert_close(features.patch_tokens, hidden[:, 1:])
