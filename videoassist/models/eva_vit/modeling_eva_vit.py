"""EVA-ViT-G (LLaMA-VID @ b3d3ae2b, `llamavid/model/multimodal_encoder/eva_vit.py`, from LAVIS): pre-norm blocks,
fused qkv with a learned q and v bias (k bias zero), exact GELU, absolute position table, CLS first, and no final
norm: the output is the last block's. `hidden_states` = (embeddings, block 1, …, block N)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedConfig, PreTrainedModel
from transformers.modeling_outputs import BaseModelOutput


class EvaVitConfig(PreTrainedConfig):
    """Defaults: LLaMA-VID's tower (eva_vit.py:451-463): 224 px, patch 14, width 1408, 39 blocks, 16 heads,
    MLP 6144, LayerNorm eps 1e-6."""

    model_type = "videoassist_eva_vit"
    image_size: int = 224
    patch_size: int = 14
    hidden_size: int = 1408
    num_hidden_layers: int = 39
    num_attention_heads: int = 16
    intermediate_size: int = 6144
    layer_norm_eps: float = 1e-6


class EvaAttention(nn.Module):
    def __init__(self, config: EvaVitConfig):
        super().__init__()
        width = config.hidden_size
        self.num_heads = config.num_attention_heads
        self.qkv = nn.Linear(width, 3 * width, bias=False)
        self.q_bias = nn.Parameter(torch.zeros(width))
        self.v_bias = nn.Parameter(torch.zeros(width))
        self.proj = nn.Linear(width, width)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        batch, length, width = hidden.shape
        bias = torch.cat([self.q_bias, torch.zeros_like(self.v_bias), self.v_bias])
        qkv = F.linear(hidden, self.qkv.weight, bias).reshape(batch, length, 3, self.num_heads, -1)
        query, key, value = qkv.permute(2, 0, 3, 1, 4)
        scores = (query * query.shape[-1] ** -0.5) @ key.transpose(-2, -1)
        attended = (scores.softmax(-1) @ value).transpose(1, 2).reshape(batch, length, width)
        return self.proj(attended)


class EvaMlp(nn.Module):
    def __init__(self, config: EvaVitConfig):
        super().__init__()
        self.fc1 = nn.Linear(config.hidden_size, config.intermediate_size)
        self.fc2 = nn.Linear(config.intermediate_size, config.hidden_size)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(hidden)))


class EvaBlock(nn.Module):
    def __init__(self, config: EvaVitConfig):
        super().__init__()
        self.norm1 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.attn = EvaAttention(config)
        self.norm2 = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.mlp = EvaMlp(config)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        hidden = hidden + self.attn(self.norm1(hidden))
        return hidden + self.mlp(self.norm2(hidden))


class EvaPatchEmbed(nn.Module):
    def __init__(self, config: EvaVitConfig):
        super().__init__()
        self.proj = nn.Conv2d(3, config.hidden_size, config.patch_size, stride=config.patch_size)

    def forward(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return self.proj(pixel_values).flatten(2).transpose(1, 2)


class EvaVitModel(PreTrainedModel):
    config_class = EvaVitConfig
    config: EvaVitConfig
    main_input_name = "pixel_values"
    base_model_prefix = ""

    def __init__(self, config: EvaVitConfig):
        super().__init__(config)
        grid = config.image_size // config.patch_size
        self.patch_embed = EvaPatchEmbed(config)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, config.hidden_size))
        self.pos_embed = nn.Parameter(torch.zeros(1, grid * grid + 1, config.hidden_size))
        self.blocks = nn.ModuleList(EvaBlock(config) for _ in range(config.num_hidden_layers))
        self.post_init()

    @torch.no_grad()
    def _init_weights(self, module):
        super()._init_weights(module)
        if isinstance(module, EvaVitModel):
            nn.init.trunc_normal_(module.cls_token, std=0.02)
            nn.init.trunc_normal_(module.pos_embed, std=0.02)

    def forward(self, pixel_values: torch.Tensor, output_hidden_states: bool = False, **kwargs) -> BaseModelOutput:
        patches = self.patch_embed(pixel_values)
        hidden = torch.cat([self.cls_token.expand(patches.shape[0], -1, -1), patches], dim=1) + self.pos_embed
        states = [hidden]
        for block in self.blocks:
            hidden = block(hidden)
            states.append(hidden)
        return BaseModelOutput(last_hidden_state=hidden, hidden_states=tuple(states) if output_hidden_states else None)
