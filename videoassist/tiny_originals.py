"""Tiny checkpoints in the key layout and file format of the original releases (`videoassist convert` input):
pickled `pytorch_model-*.bin` shards of plain tensors with their index, the original config.json and tokenizer.

Shapes follow the originals at a tiny size; e.g. Valley: CLIP tower under `model.vision_tower.vision_model.`, one linear
`model.mm_projector`, a Llama with the `rotary_emb.inv_freq` buffers transformers 4.28 saved. LLaMA-VID: the
`model.vlm_att_*` modules (Q-Former as LAVIS names it), an mlp2x_gelu `model.mm_projector`, and beside the weights
the files the original reads from elsewhere: LAVIS's `eva_vit_g.pth` (40 blocks, of which the original builds 39)
and a tiny BERT WordPiece tokenizer in `bert-base-uncased/` (the original takes bert-base-uncased from the hub).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from transformers import (BertTokenizer, CLIPVisionConfig, CLIPVisionModel, InstructBlipQFormerConfig,
                          InstructBlipQFormerModel, LlamaConfig, LlamaForCausalLM)

from .models.eva_vit import EvaVitConfig, EvaVitModel

from .tiny_tokenizer import tiny_tokenizer

VALLEY_TOKENS = ["<vi_frame>", "<vi_start>", "<vi_end>", "<im_patch>", "<im_start>", "<im_end>"]
LLAMA_CONFIG_KEYS = ("hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                     "num_key_value_heads", "max_position_embeddings", "rms_norm_eps", "vocab_size", "bos_token_id",
                     "eos_token_id", "pad_token_id")
# LLaMA-VID's EVA tower at a tiny size: its 88-wide heads (num_heads = 1408 // 88), MLP ratio 4.3637, and the
# 40 blocks of LAVIS's file; 28 px frames (a 2×2 patch grid).
TINY_EVA = dict(image_size=28, patch_size=14, hidden_size=88, num_hidden_layers=40, num_attention_heads=1,
                intermediate_size=int(88 * 4.3637))
# The Q-Former: BERT's 64-wide heads, cross-attention every 2nd layer (llamavid_arch.py:201-237).
TINY_QFORMER = dict(hidden_size=128, num_hidden_layers=3, num_attention_heads=2, intermediate_size=96,
                    max_position_embeddings=64, cross_attention_frequency=2)
TINY_NUM_QUERIES = 4
BERT_WORDS = ["what", "colour", "is", "the", "circle", "which", "way", "does", "square", "move", "describe", "this",
              "video", "red", "blue", "?", ".", "how", "many", "objects", "are", "there", "##s"]


def save_tiny_original_checkpoint(folder: str | os.PathLike, kind: str, seed: int = 0) -> Path:
    """Write a tiny random checkpoint of the original `kind` ("valley" or "llamavid") to `folder`."""
    writers = {"valley": _save_valley, "llamavid": _save_llamavid}
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
    state, llm_config = _tiny_llama(len(tokenizer))
    for key, value in vision.state_dict().items():
        state[f"model.vision_tower.vision_model.{key}"] = value  # as transformers 4.28 named them
    state["model.vision_tower.vision_model.embeddings.position_ids"] = torch.arange(17)[None]
    projector = torch.nn.Linear(128, 64)
    state["model.mm_projector.weight"], state["model.mm_projector.bias"] = projector.weight, projector.bias
    _save_shards(folder, {k: v.detach().clone() for k, v in state.items()})
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in VALLEY_TOKENS}
    config = {
        "architectures": ["ValleyLlamaForCausalLM"], "model_type": "valley",
        **{k: getattr(llm_config, k) for k in LLAMA_CONFIG_KEYS},
        "hidden_act": "silu", "tie_word_embeddings": False, "torch_dtype": "float32",
        "mm_vision_tower": "openai/clip-vit-large-patch14", "mm_vision_select_layer": -2, "mm_hidden_size": 128,
        "mm_use_im_start_end": True, "use_mm_proj": True, "sep_image_conv_front": False,
        "im_patch_token": ids["<im_patch>"], "vi_frame_token": ids["<vi_frame>"],
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    return folder


def _save_llamavid(folder: Path) -> Path:
    """As `YanweiLi/llama-vid-7b-full-224-video-fps-1` (llamavid_arch.py:92-237, qformer.py @ b3d3ae2b)."""
    tokenizer = tiny_tokenizer()
    tokenizer.save_pretrained(folder)
    state, llm_config = _tiny_llama(len(tokenizer))
    width, text_width = TINY_EVA["hidden_size"], llm_config.hidden_size
    bert_tokenizer = _tiny_bert_tokenizer(folder / "bert-base-uncased")
    qformer = InstructBlipQFormerModel(InstructBlipQFormerConfig(
        **TINY_QFORMER, vocab_size=len(bert_tokenizer) + 1, encoder_hidden_size=width))  # + [DEC]
    for key, value in qformer.state_dict().items():  # back to LAVIS's names
        key = key.replace(".attention.attention.", ".attention.self.").replace(".crossattention.attention.",
                                                                              ".crossattention.self.")
        state[f"model.vlm_att_encoder.bert.{key.replace('embeddings.layernorm', 'embeddings.LayerNorm')}"] = value
    state["model.vlm_att_encoder.bert.embeddings.position_ids"] = torch.arange(64)[None]
    state["model.vlm_att_query"] = torch.randn(1, TINY_NUM_QUERIES, TINY_QFORMER["hidden_size"]) * 0.02
    modules = {
        "vlm_att_ln": torch.nn.LayerNorm(width),
        "vlm_att_projector": torch.nn.Linear(TINY_QFORMER["hidden_size"], width),
        "vlm_att_key_projector": torch.nn.Linear(width, width),
        "vlm_att_val_projector": torch.nn.Linear(width, text_width),
        "mm_projector.0": torch.nn.Linear(width, text_width),
        "mm_projector.2": torch.nn.Linear(text_width, text_width),
    }
    for name, module in modules.items():
        for key, value in module.state_dict().items():
            state[f"model.{name}.{key}"] = value + torch.randn_like(value) * 0.1  # LayerNorm away from 1/0 too
    _save_shards(folder, {k: v.detach().clone() for k, v in state.items()})
    eva = EvaVitModel(EvaVitConfig(**TINY_EVA))
    torch.save({k: v.detach().clone() for k, v in eva.state_dict().items()}, folder / "eva_vit_g.pth")
    config = {
        "architectures": ["LlavaLlamaAttForCausalLM"], "model_type": "llava",
        **{k: getattr(llm_config, k) for k in LLAMA_CONFIG_KEYS},
        "hidden_act": "silu", "tie_word_embeddings": False, "torch_dtype": "float32",
        "mm_vision_tower": "./model_zoo/LAVIS/eva_vit_g.pth",
        "image_processor": "./llamavid/processor/clip-patch14-224",
        "mm_hidden_size": width, "mm_projector_type": "mlp2x_gelu", "mm_vision_select_feature": "patch",
        "mm_vision_select_layer": -2, "mm_use_im_start_end": False, "mm_use_im_patch_token": False,
        "bert_type": "qformer_pretrain", "num_query": TINY_NUM_QUERIES, "compress_type": "mean",
        "image_aspect_ratio": "pad", "video_fps": 1, "max_token": 2048,
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    return folder


def _tiny_llama(vocab_size: int) -> tuple[dict[str, torch.Tensor], LlamaConfig]:
    """A tiny Llama's state dict as transformers 4.28 saved it (with the `rotary_emb.inv_freq` buffers)."""
    config = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=4, vocab_size=vocab_size, max_position_embeddings=2048,
                         rms_norm_eps=1e-5, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    state = dict(LlamaForCausalLM(config).state_dict())
    head_width = config.hidden_size // config.num_attention_heads
    for layer in range(config.num_hidden_layers):
        state[f"model.layers.{layer}.self_attn.rotary_emb.inv_freq"] = 1.0 / (
            10000 ** (torch.arange(0, head_width, 2).float() / head_width))
    return state, config


def _tiny_bert_tokenizer(folder: Path) -> BertTokenizer:
    """A lower-casing BERT WordPiece tokenizer over a few words, saved as bert-base-uncased's files are."""
    vocab = {token: index for index, token in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *BERT_WORDS])}
    tokenizer = BertTokenizer(vocab=vocab, do_lower_case=True)
    tokenizer.save_pretrained(folder)
    return tokenizer


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
