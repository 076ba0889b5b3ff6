"""Tiny checkpoints in the key layout and file format of the original releases (`videoassist convert` input):
pickled `pytorch_model-*.bin` shards of plain tensors with their index, the original config.json and tokenizer.

Shapes follow the originals at a tiny size; e.g. Valley: CLIP tower under `model.vision_tower.vision_model.`, one linear
`model.mm_projector`, a Llama with the `rotary_emb.inv_freq` buffers transformers 4.28 saved.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from transformers import CLIPVisionConfig, CLIPVisionModel, LlamaConfig, LlamaForCausalLM

from .tiny_tokenizer import tiny_tokenizer

VALLEY_TOKENS = ["<vi_frame>", "<vi_start>", "<vi_end>", "<im_patch>", "<im_start>", "<im_end>"]


def save_tiny_original_checkpoint(folder: str | os.PathLike, kind: str, seed: int = 0) -> Path:
    """Write a tiny random checkpoint of the original `kind` ("valley") to `folder`."""
    writers = {"valley": _save_valley}
    if kind not in writers:
        raise ValueError(f"kind must be one of {tuple(writers)}, got {kind!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    return writers[kind](folder)


def _save_valley(folder: Path) -> Path:
    tokenizer = tiny_tokenizer()
    tokenizer.add_special_tokens({"additional_special_tokens": VALLEY_TOKENS}, replace_extra_special_tokens=False)
    tokenizer.save_pretrained(folder)
    vision = CLIPVisionModel(CLIPVisionConfig(hidden_size=128, intermediate_size=256, num_hidden_layers=3,
                                              num_attention_heads=2, image_size=56, patch_size=14))
    llm_config = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                             num_key_value_heads=4, vocab_size=len(tokenizer), max_position_embeddings=2048,
                             rms_norm_eps=1e-5, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    llm = LlamaForCausalLM(llm_config)
    state = {k: v for k, v in llm.state_dict().items()}
    head_width = llm_config.hidden_size // llm_config.num_attention_heads
    for layer in range(llm_config.num_hidden_layers):  # saved by transformers 4.28
        state[f"model.layers.{layer}.self_attn.rotary_emb.inv_freq"] = 1.0 / (
            10000 ** (torch.arange(0, head_width, 2).float() / head_width))
    for key, value in vision.state_dict().items():
        state[f"model.vision_tower.vision_model.{key}"] = value  # as transformers 4.28 named them
    state["model.vision_tower.vision_model.embeddings.position_ids"] = torch.arange(17)[None]
    projector = torch.nn.Linear(128, 64)
    state["model.mm_projector.weight"], state["model.mm_projector.bias"] = projector.weight, projector.bias
    _save_shards(folder, {k: v.detach().clone() for k, v in state.items()})
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in VALLEY_TOKENS}
    config = {
        "architectures": ["ValleyLlamaForCausalLM"], "model_type": "valley", **{
            k: getattr(llm_config, k) for k in ("hidden_size", "intermediate_size", "num_hidden_layers",
                                               "num_attention_heads", "num_key_value_heads", "max_position_embeddings",
                                               "rms_norm_eps", "vocab_size", "bos_token_id", "eos_token_id",
                                               "pad_token_id")},
        "hidden_act": "silu", "tie_word_embeddings": False, "torch_dtype": "float32",
        "mm_vision_tower": "openai/clip-vit-large-patch14", "mm_vision_select_layer": -2, "mm_hidden_size": 128,
        "mm_use_im_start_end": True, "use_mm_proj": True, "sep_image_conv_front": False,
        "im_patch_token": ids["<im_patch>"], "vi_frame_token": ids["<vi_frame>"],
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    return folder


def _save_shards(folder: Path, state: dict[str, torch.Tensor], shards: int = 2) -> None:
    """torch.save of plain tensors in `shards` files with a `pytorch_model.bin.index.json`, as the releases."""
    keys = list(state)
    weight_map = {}
    for index in range(shards):
        name = f"pytorch_model-{index + 1:05d}-of-{shards:05d}.bin"
        part = keys[index::shards]
        torch.save({k: state[k] for k in part}, folder / name)
        weight_map.update({k: name for k in part})
    (folder / "pytorch_model.bin.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
