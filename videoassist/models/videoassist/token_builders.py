"""Token builders: the features of one video's frames → the visual tokens the LLM reads.

Valley (Luo et al., 2023) pools over time, then projects; every variant appends one global (CLS) token per frame:
  v1  each patch position averaged over time;
  v2  a linear layer scores every frame, softmax over frames, weighted sum of the patch tokens;
  v3  a transformer along time for every patch position: its last step + the temporal mean.
LLaMA-VID (Li et al., 2023) makes two tokens kinds per frame:
  context  text queries Q attend over the frame's patches X: E = mean_q(softmax(Q·K(X)ᵀ/√d)·X), then a value
           projection to the LLM width;
  content  X average-pooled to 1 token or an N×N grid, then the projector.
`objects` (object_tokens.py) reads the cells as object classes tracked over the frames: a count token and four
tokens per object slot.
Each builder returns the video's tokens in the LLM width, in the order they fill the `<video>` placeholders.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .configuration_videoassist import VideoAssistConfig
from .object_tokens import ObjectTokens
from .vision_tower import VisionFeatures


class ValleyV1(nn.Module):
    """Temporal mean of each patch position + the CLS tokens: P + T tokens, blind to frame order."""

    def pool(self, features: VisionFeatures) -> torch.Tensor:
        return features.patch_tokens.mean(0)

    def forward(self, features: VisionFeatures, projector: nn.Module, queries=None) -> torch.Tensor:
        return projector(torch.cat([self.pool(features), features.global_tokens], dim=0))


class ValleyV2(ValleyV1):
    """A learned score per frame (from its global token), softmax over frames, weighted sum of patch tokens."""

    def __init__(self, width: int):
        super().__init__()
        self.frame_score = nn.Linear(width, 1)

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


class ValleyV3(ValleyV1):
    """A transformer along time for every patch position (fixed sinusoidal positions); last step + temporal mean."""

    def __init__(self, width: int, num_heads: int, num_layers: int):
        super().__init__()
        layer = nn.TransformerEncoderLayer(width, num_heads, dim_feedforward=4 * width, batch_first=True)
        self.temporal = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)

    def pool(self, features: VisionFeatures) -> torch.Tensor:
        patches = features.patch_tokens.transpose(0, 1)  # [P, T, D]: one sequence along time per patch position
        positions = sinusoidal_positions(patches.shape[1], patches.shape[2]).to(patches)
        encoded = self.temporal(patches + positions)
        return encoded[:, -1] + patches.mean(1)


class LlamaVid(nn.Module):
    """Per frame: one context token per question (query attention + value projection) and content tokens."""

    def __init__(self, width: int, text_width: int, content_pool: str, content_tokens: int):
        super().__init__()
        self.key = nn.Linear(width, width)
        self.value = nn.Linear(width, text_width)
        self.grid = None if content_pool == "mean" else math.isqrt(content_tokens)

    def content(self, features: VisionFeatures) -> torch.Tensor:
        """[T, N, D]: the patch grid average-pooled to one token or to an N×N grid."""
        patches = features.patch_tokens
        if self.grid is None:
            return patches.mean(1, keepdim=True)
        side = math.isqrt(patches.shape[1])
        grid = patches.transpose(1, 2).reshape(patches.shape[0], patches.shape[2], side, side)
        return F.adaptive_avg_pool2d(grid, self.grid).flatten(2).transpose(1, 2)

    def context(self, features: VisionFeatures, queries: torch.Tensor) -> torch.Tensor:
        """queries [Q, M, D] → context tokens [Q, T, text_width]."""
        patches = features.patch_tokens  # [T, P, D]
        keys = self.key(patches)
        scores = torch.einsum("qmd,tpd->qtmp", queries, keys) / math.sqrt(keys.shape[-1])
        attended = torch.einsum("qtmp,tpd->qtmd", scores.softmax(-1), patches).mean(2)  # mean over the M queries
        return self.value(attended)

    def forward(self, features: VisionFeatures, projector: nn.Module, queries: torch.Tensor) -> torch.Tensor:
        content = projector(self.content(features))  # [T, N, text_width]
        context = self.context(features, queries)  # [Q, T, text_width]
        first = torch.cat([context[0].unsqueeze(1), content], dim=1).flatten(0, 1)  # frame by frame: ctx, content
        return torch.cat([first, context[1:].flatten(0, 1)], dim=0)


def build_token_builder(config: VideoAssistConfig) -> nn.Module:
    width = config.vision_width
    if config.token_mode == "valley_v1":
        return ValleyV1()
    if config.token_mode == "valley_v2":
        return ValleyV2(width)
    if config.token_mode == "valley_v3":
        return ValleyV3(width, config.temporal_heads, config.temporal_layers)
    if config.token_mode == "llamavid":
        return LlamaVid(width, config.text_width, config.content_pool, config.content_tokens_per_frame)
    if config.token_mode == "objects":
        return ObjectTokens(config)
    raise ValueError(f"unknown token_mode {config.token_mode!r}")
