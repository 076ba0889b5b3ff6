"""LLaMA-VID (Li et al., 2023): two kinds of tokens per frame.
  context  text queries Q (made from the question by the query encoder) attend over the frame's patches X:
           E = mean_q(softmax(Q·K(X)ᵀ/√d)·X), then a value projection to the LLM width; one per frame and question;
  content  X average-pooled to 1 token (`mean`) or an N×N grid (`grid:N`), then the projector; shared by the
           questions of a conversation.
Every user question gets its own `<video>` marker: the first holds (context, content) frame by frame, each later
one that question's context tokens.

The released LLaMA-VID (`videoassist convert llamavid`) is this builder with `query_encoder: qformer`: the original
computes the same context and content tokens (llamavid_arch.py:373-411 @ b3d3ae2b), only its queries come from a
Q-Former that also reads each frame, so they differ per frame. That is a choice of query encoder, not a second
builder: the context attention, value projection and content pooling are one code path for both.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..vision_tower import VisionFeatures
from .base import QuerySettings, TokenBuilder, TokenBuilderConfig


@dataclass
class LlamaVidConfig(QuerySettings, TokenBuilderConfig):
    content_pool: str = "mean"  # content tokens per frame: `mean` (1) or `grid:N` (N²)

    def __post_init__(self):
        super().__post_init__()
        self.content_tokens_per_frame  # validates content_pool

    @property
    def content_tokens_per_frame(self) -> int:
        if self.content_pool == "mean":
            return 1
        match = re.fullmatch(r"grid:(\d+)", self.content_pool)
        if not match or int(match.group(1)) < 1:
            raise ValueError(f"content_pool must be 'mean' or 'grid:N', got {self.content_pool!r}")
        return int(match.group(1)) ** 2


class LlamaVid(TokenBuilder):
    """Per frame: one context token per question (query attention + value projection) and content tokens."""

    config_class = LlamaVidConfig
    needs_queries = True
    marker_per_question = True

    def __init__(self, config):
        super().__init__(config)
        width, settings = config.vision_width, config.token_builder_config
        self.key = nn.Linear(width, width)
        self.value = nn.Linear(width, config.text_width)
        self.grid = None if settings.content_pool == "mean" else math.isqrt(settings.content_tokens_per_frame)

    @classmethod
    def visual_block_sizes(cls, config, num_frames: int, num_questions: int = 1) -> list[int]:
        first = num_frames * (1 + config.token_builder_config.content_tokens_per_frame)
        return [first] + [num_frames] * (max(num_questions, 1) - 1)

    def content(self, features: VisionFeatures) -> torch.Tensor:
        """[T, N, D]: the patch grid average-pooled to one token or to an N×N grid."""
        patches = features.patch_tokens
        if self.grid is None:
            return patches.mean(1, keepdim=True)
        side = math.isqrt(patches.shape[1])
        grid = patches.transpose(1, 2).reshape(patches.shape[0], patches.shape[2], side, side)
        return F.adaptive_avg_pool2d(grid, self.grid).flatten(2).transpose(1, 2)

    def context(self, features: VisionFeatures, queries: torch.Tensor) -> torch.Tensor:
        """queries [Q, M, D] (shared by the frames) or [Q, T, M, D] (per frame) → context tokens [Q, T, text_width].
        The weights apply to the raw patches X, not to a value projection of them (as the original)."""
        patches = features.patch_tokens  # [T, P, D]
        if queries.dim() == 3:
            queries = queries.unsqueeze(1).expand(-1, patches.shape[0], -1, -1)
        keys = self.key(patches)
        scores = torch.einsum("qtmd,tpd->qtmp", queries, keys) / math.sqrt(keys.shape[-1])
        attended = torch.einsum("qtmp,tpd->qtmd", scores.softmax(-1), patches).mean(2)  # mean over the M queries
        return self.value(attended)

    def forward(self, features: VisionFeatures, projector: nn.Module, queries: torch.Tensor) -> torch.Tensor:
        content = projector(self.content(features))  # [T, N, text_width]
        context = self.context(features, queries)  # [Q, T, text_width]
        first = torch.cat([context[0].unsqueeze(1), content], dim=1).flatten(0, 1)  # frame by frame: ctx, content
        return torch.cat([first, context[1:].flatten(0, 1)], dim=0)
