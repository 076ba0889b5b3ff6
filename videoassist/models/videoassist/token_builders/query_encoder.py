"""Query encoders for builders that read the question (LLaMA-VID's context tokens): a question becomes a set of
text queries in the vision width.

- `cross_attention` (the default, small and learnable): latent queries cross-attend over the question's LLM token
  embeddings (frozen embeddings, trainable attention); one set per question, shared by the frames.
- `qformer`: LLaMA-VID's own (llamavid_arch.py:309-362 @ b3d3ae2b): InstructBLIP's Q-Former reads learned query
  tokens and the question in its own BERT vocabulary, cross-attending to each frame's tokens; one set per question
  and frame. Its question ids come from the processor's `qformer_tokenizer`.

An encoder says which ids it reads (`reads_llm_tokens`) and returns [Q, M, D] (per question) or [Q, T, M, D]
(per question and frame).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import torch
from torch import nn
from transformers import InstructBlipQFormerConfig, InstructBlipQFormerModel

from ..vision_tower import VisionFeatures

if TYPE_CHECKING:
    from ..configuration_videoassist import VideoAssistConfig


class CrossAttentionQueryEncoder(nn.Module):
    reads_llm_tokens: ClassVar[bool] = True

    def __init__(self, config: "VideoAssistConfig"):
        super().__init__()
        settings, width = config.token_builder_config, config.vision_width
        self.text_norm = nn.LayerNorm(config.text_width)  # LLM embeddings come at any scale (Gemma multiplies by √d)
        self.text_proj = nn.Linear(config.text_width, width)
        self.latents = nn.Parameter(torch.randn(settings.num_queries, width) * width**-0.5)
        self.attention = nn.MultiheadAttention(width, settings.query_heads, batch_first=True)
        self.norm = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width))

    def forward(self, token_embeds: torch.Tensor, attention_mask: torch.Tensor, features: VisionFeatures):
        """token_embeds [Q, L, text_width] (the LLM's embeddings), attention_mask [Q, L] → queries
        [Q, num_queries, width]; the frames are not read."""
        text = self.text_proj(self.text_norm(token_embeds))
        latents = self.latents.unsqueeze(0).expand(text.shape[0], -1, -1)
        empty = ~attention_mask.bool().any(-1)  # an empty question gives zero queries: uniform attention later
        padding = ~attention_mask.bool()
        padding[empty] = False
        attended, _ = self.attention(latents, text, text, key_padding_mask=padding, need_weights=False)
        queries = attended.masked_fill(empty[:, None, None], 0.0)
        return queries + self.mlp(self.norm(queries))


class QFormerQueryEncoder(nn.Module):
    """LLaMA-VID's queries, weight for weight: `query_tokens` = `vlm_att_query`, `frame_norm` = `vlm_att_ln`,
    `qformer` = `vlm_att_encoder.bert` (transformers' InstructBLIP Q-Former: the same layers, text FFN and query FFN,
    cross-attention every `cross_attention_frequency` layers, bidirectional self-attention), `projector` =
    `vlm_att_projector` (Q-Former width → vision width)."""

    reads_llm_tokens: ClassVar[bool] = False

    def __init__(self, config: "VideoAssistConfig"):
        super().__init__()
        settings, width = config.token_builder_config, config.vision_width
        qformer_config = InstructBlipQFormerConfig(**{**settings.qformer, "encoder_hidden_size": width})
        self.query_tokens = nn.Parameter(torch.zeros(1, settings.num_queries, qformer_config.hidden_size))
        self.frame_norm = nn.LayerNorm(width)
        self.qformer = InstructBlipQFormerModel(qformer_config)
        self.projector = nn.Linear(qformer_config.hidden_size, width)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, features: VisionFeatures):
        """input_ids [Q, L] (the Q-Former tokenizer's, right-padded), attention_mask [Q, L], the video's features
        (T frames) → queries [Q, T, num_queries, width]: the question is read once per frame (as the original
        repeats it), the frame's tokens (global token first, as the tower gives them) cross-attended after
        `frame_norm`."""
        frames = torch.cat([features.global_tokens.unsqueeze(1), features.patch_tokens], dim=1)  # [T, 1 + P, D]
        questions, num_frames, num_queries = input_ids.shape[0], frames.shape[0], self.query_tokens.shape[1]
        image = self.frame_norm(frames).repeat(questions, 1, 1)  # question-major: [Q·T, 1 + P, D]
        query_embeds = self.query_tokens.expand(questions * num_frames, -1, -1)
        mask = attention_mask.repeat_interleave(num_frames, dim=0)
        output = self.qformer(
            input_ids=input_ids.repeat_interleave(num_frames, dim=0),
            attention_mask=torch.cat([mask.new_ones(mask.shape[0], num_queries), mask], dim=1),
            query_embeds=query_embeds,
            encoder_hidden_states=image,
            encoder_attention_mask=torch.ones(image.shape[:2], dtype=mask.dtype, device=mask.device),
        ).last_hidden_state[:, :num_queries]
        return self.projector(output).unflatten(0, (questions, num_frames))


QUERY_ENCODERS = {"cross_attention": CrossAttentionQueryEncoder, "qformer": QFormerQueryEncoder}


def build_query_encoder(config: "VideoAssistConfig") -> nn.Module:
    """The query encoder that the token builder's `QuerySettings` name (checked when the config was made)."""
    return QUERY_ENCODERS[config.token_builder_config.query_encoder](config)
