"""Query encoders for builders that read the question (LLaMA-VID's context tokens): a question becomes a set of
text queries in the vision width.

LLaMA-VID takes its queries from an InstructBLIP Q-Former. The default here is small and learnable: latent
queries cross-attend over the question's LLM token embeddings (frozen embeddings, trainable attention).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:
    from ..configuration_videoassist import VideoAssistConfig

class CrossAttentionQueryEncoder(nn.Module):
    def __init__(self, text_width: int, width: int, num_queries: int, num_heads: int):
        super().__init__()
        self.text_norm = nn.LayerNorm(text_width)  # LLM embeddings come at any scale (Gemma multiplies by √d)
        self.text_proj = nn.Linear(text_width, width)
        self.latents = nn.Parameter(torch.randn(num_queries, width) * width**-0.5)
        self.attention = nn.MultiheadAttention(width, num_heads, batch_first=True)
        self.norm = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width))

    def forward(self, token_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """token_embeds [Q, L, text_width], attention_mask [Q, L] → queries [Q, num_queries, width]."""
        text = self.text_proj(self.text_norm(token_embeds))
        latents = self.latents.unsqueeze(0).expand(text.shape[0], -1, -1)
        empty = ~attention_mask.bool().any(-1)  # an empty question gives zero queries: uniform attention later
        padding = ~attention_mask.bool()
        padding[empty] = False
        attended, _ = self.attention(latents, text, text, key_padding_mask=padding, need_weights=False)
        queries = attended.masked_fill(empty[:, None, None], 0.0)
        return queries + self.mlp(self.norm(queries))


QUERY_ENCODERS = {"cross_attention": CrossAttentionQueryEncoder}


def build_query_encoder(config: "VideoAssistConfig") -> nn.Module:
    """The query encoder that the token builder's `QuerySettings` name (checked when the config was made)."""
    settings = config.token_builder_config
    encoder = QUERY_ENCODERS[settings.query_encoder]
    return encoder(config.text_width, config.vision_width, settings.num_queries, settings.query_heads)
