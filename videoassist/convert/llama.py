"""The Llama LLM that Valley and LLaMA-VID checkpoints hold (`model.*` + `lm_head.weight`, as transformers 4.28 saved
it): extracted as a standard `LlamaForCausalLM` folder with the release's own tokenizer."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

from ..errors import ModelError
from ..models.videoassist import VideoAssistConfig
from .hf_folder import write_hf_model

# Buffers that older transformers saved and that today's models rebuild.
BUFFER_SUFFIXES = (".rotary_emb.inv_freq", ".position_ids")
LLAMA_KEYS = ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
              "max_position_embeddings", "rms_norm_eps", "vocab_size", "tie_word_embeddings", "bos_token_id",
              "eos_token_id", "pad_token_id", "hidden_act", "rope_theta")


def without_buffers(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v for k, v in state.items() if not k.endswith(BUFFER_SUFFIXES)}


def write_llama(original: dict, state: dict[str, torch.Tensor], folder: Path, source: Path) -> LlamaConfig:
    """The LLM's weights (`state`: exactly its keys) as a LlamaForCausalLM folder; its config from the original's."""
    config = LlamaConfig(**{k: original[k] for k in LLAMA_KEYS if k in original})
    write_hf_model(LlamaForCausalLM, config, state, folder, source)
    return config


def read_tokenizer(source: Path):
    """The release's tokenizer with our `<video>` placeholder token added (a special token: never split)."""
    try:
        tokenizer = AutoTokenizer.from_pretrained(source)
    except ImportError as error:  # only a tokenizer.model: transformers converts it with sentencepiece
        raise ModelError(
            f"{source}: reading its tokenizer needs pip install 'videoassist[convert]' ({error})"
        ) from error
    video_token = VideoAssistConfig.video_token
    if video_token not in tokenizer.get_vocab():
        tokenizer.add_special_tokens({"additional_special_tokens": [video_token]})
    return tokenizer
