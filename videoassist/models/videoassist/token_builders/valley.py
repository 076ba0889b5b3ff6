"""Valley (Luo et al., 2023): pool the patch tokens over time, then project; every variant appends one global (CLS)
token per frame, so a video gives P + T tokens (P patch positions, T frames):
  valley_v1  each patch position averaged over time;
  valley_v2  a linear layer scores every frame, softmax over frames, weighted sum of the patch tokens;
  valley_v3  a transformer along time for every patch position: its last step + the temporal mean.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import nn

from ..vision_tower import VisionFeatures
from .base import TokenBuilder, TokenBuilderConfig


@dataclass
class ValleyConfig(TokenBuilderConfig):
    # Valley v1's layout: four marker tokens of the tokenizer, [patch start, patch end, frames start, frames end],
    # around the two parts of the block: `<im_start>` P×patch `<im_end>` `<vi_start>` T×CLS `<vi_end>`. Empty: the
    # P + T placeholders alone.
    markers: list = field(default_factory=list)

    def __post_init__(self):
        if len(self.markers) not in (0, 4) or not all(isinstance(m, str) and m for m in self.markers):
            raise ValueError(f"markers must be empty or four token strings, got {self.markers!r}")


class ValleyV1(TokenBuilder):
    """Temporal mean of each patch position + the CLS tokens: P + T tokens, blind to frame order."""

    config_class = ValleyConfig

    @classmethod
    def placeholder_text(cls, config, block_size: int, video_token: str) -> str:
        markers = config.token_builder_config.markers
        if not markers:
            return video_token * block_size
        patch_start, patch_end, frames_start, frames_end = markers
        patches = config.patch_grid**2
        return (f"{patch_start}{video_token * patches}{patch_end}"
                f"{frames_start}{video_token * (block_size - patches)}{frames_end}")

    @classmethod
    def visual_block_sizes(cls, config, num_frames: int, num_questions: int = 1) -> list[int]:
        return [config.patch_grid**2 + num_frames]

    def pool(self, features: VisionFeatures) -> torch.Tensor:
        return features.patch_tokens.mean(0)

    def forward(self, features: VisionFeatures, projector: nn.Module, queries=None) -> torch.Tensor:
        return projector(torch.cat([self.pool(features), features.global_tokens], dim=0))


class ValleyV2(ValleyV1):
    """A learned score per frame (from its global token), softmax over frames, weighted sum of patch tokens."""

    def __init__(self, config):
        super().__init__(config)
        self.frame_score = nn.Linear(config.vision_width, 1)

    def pool(self, features: VisionFeatures) -> torch.Tensor:
        weights = self.frame_score(features.global_tokens).softmax(dim=0)  # [T, 1]
        return (weights.unsqueeze(-1) * features.patch_tokens).sum(0)


def sinusoidal_positions(length: int, width: int) -> torch.Tensor:
    """Fixed sinusoidal position encodings [length, width] (Vaswani et al.)."""
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    frequency = torch.exp(torch.arange(0, width, 2, dtype=torch.float32) * (-math.log(10000.0) / width))
    encoding = torch.zeros(length, width)
    encoding[:, 0::2] = torch.sin(position * frequency)
    encoding[:, 1::2] = torch.cos(position * frequency[: width // 2])
    return encoding


@dataclass
class ValleyV3Config(ValleyConfig):
    temporal_heads: int = 8
    temporal_layers: int = 1


class ValleyV3(ValleyV1):
    """A transformer along time for every patch position (fixed sinusoidal positions); last step + temporal mean."""

    config_class = ValleyV3Config

    def __init__(self, config):
        super().__init__(config)
        width, settings = config.vision_width, config.token_builder_config
        layer = nn.TransformerEncoderLayer(width, settings.temporal_heads, dim_feedforward=4 * width, batch_first=True)
        self.temporal = nn.TransformerEncoder(layer, settings.temporal_layers, enable_nested_tensor=False)

    def pool(self, features: VisionFeatures) -> torch.Tensor:
        patches = features.patch_tokens.transpose(0, 1)  # [P, T, D]: one sequence along time per patch position
        positions = sinusoidal_positions(patches.shape[1], patches.shape[2]).to(patches)
        encoded = self.temporal(patches + positions)
        return encoded[:, -1] + patches.mean(1)
