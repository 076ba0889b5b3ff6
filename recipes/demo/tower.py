"""The demo's vision tower: a tiny CLIP ViT (`CLIPVisionModel`) or a tiny `ResNetModel`, and its image processor.

Real Hugging Face model classes, so `VisionTower`, `save_pretrained` and `from_pretrained` treat them like any
released checkpoint: a ViT's CLS token is the global token and its patch tokens the grid; a ResNet's last feature
map is the grid and its mean the global token. The image processor resizes the whole
frame to the square input (no centre crop: the synthetic clips are up to 1.8:1 and an object near the edge must
not be cut away) and normalises with CLIP's mean and std.

Frames are resized exactly as `VideoAssistVideoProcessor` does at inference (that class on these settings, not a
copy): the frame cache stores that resize as uint8, training normalises it with the same mean and std.
"""

from __future__ import annotations

import numpy as np
import torch
from transformers import (CLIPImageProcessorPil, CLIPVisionConfig, CLIPVisionModel, PreTrainedModel, ResNetConfig,
                          ResNetModel)

from videoassist.models.videoassist import VideoAssistVideoProcessor
from .settings import FrameSettings, TowerSettings


def tower_config(tower: TowerSettings, frames: FrameSettings) -> CLIPVisionConfig | ResNetConfig:
    if tower.kind == "resnet":
        return ResNetConfig(embedding_size=tower.embedding_size, hidden_sizes=list(tower.hidden_sizes),
                            depths=list(tower.depths), layer_type="basic", downsample_in_first_stage=False)
    if frames.image_size % tower.patch_size:
        raise ValueError(f"image_size {frames.image_size} is not a multiple of patch_size {tower.patch_size}")
    return CLIPVisionConfig(
        hidden_size=tower.width,
        intermediate_size=tower.mlp_ratio * tower.width,
        num_hidden_layers=tower.layers,
        num_attention_heads=tower.heads,
        image_size=frames.image_size,
        patch_size=tower.patch_size,
    )


def build_tower(tower: TowerSettings, frames: FrameSettings, seed: int = 0) -> PreTrainedModel:
    torch.manual_seed(seed)
    config = tower_config(tower, frames)
    return ResNetModel(config) if tower.kind == "resnet" else CLIPVisionModel(config)


def image_processor(frames: FrameSettings) -> CLIPImageProcessorPil:
    size = {"height": frames.image_size, "width": frames.image_size}
    return CLIPImageProcessorPil(size=size, do_center_crop=False, crop_size=size)


def preprocess(processor: CLIPImageProcessorPil, frames: np.ndarray, **overrides) -> torch.Tensor:
    """RGB uint8 [T, H, W, 3] → pixel values [T, 3, S, S], by the inference video processor on `processor`'s
    settings (`overrides`: some of them changed)."""
    return VideoAssistVideoProcessor(**processor.to_dict())(frames, **overrides)["pixel_values_videos"]


def resize_uint8(processor: CLIPImageProcessorPil, frames: np.ndarray) -> np.ndarray:
    """The resize step of `preprocess` alone, rounded to uint8 [T, S, S, 3]: what the frame cache stores."""
    pixels = preprocess(processor, frames, do_rescale=False, do_normalize=False)
    return pixels.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).contiguous().numpy()


def normalise(processor, pixels01: torch.Tensor) -> torch.Tensor:
    """[B, 3, S, S] in 0..1 (a cached frame / 255, maybe augmented) → the tower's input, as `preprocess` does.
    `processor`: the tower's image processor or the model's video processor (their image_mean and image_std)."""
    mean = torch.tensor(processor.image_mean).view(1, -1, 1, 1)
    std = torch.tensor(processor.image_std).view(1, -1, 1, 1)
    return (pixels01 - mean) / std
