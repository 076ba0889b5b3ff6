"""Tiny random base models in the layouts their hub checkpoints have, to build new VideoAssist models from offline.

    save_tiny_vision_tower(folder, "siglip")   # a SiglipModel folder (both towers) with its image processor
    save_tiny_llm(folder, "qwen2")             # a Qwen2ForCausalLM folder with a Qwen-style tokenizer
    model, processor = videoassist.build(vision=…, llm=…, token_mode="valley_v3")

Vision towers (TINY_VISION_TOWERS): `clip`, `siglip`, `siglip2` (CLIPModel, SiglipModel, Siglip2Model: text tower
too, as openai/clip-vit-large-patch14 and google/siglip-so400m-patch14-384 ship) and their vision-only classes
(`clip_vision`, …). CLIP and SigLIP see 32 px frames in a 4x4 grid of 8 px patches; SigLIP2 (NaFlex) has a budget
of 16 such patches. LLMs (TINY_LLMS): `qwen2` (Qwen2.5's class; its tokenizer has no `<video>`, no BOS token and a
ChatML template, as Qwen2.5-Instruct's) and `gemma3` (Gemma's turns); `testing.save_tiny_model` saves a tiny Llama.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from transformers import (
    CLIPConfig,
    CLIPImageProcessorPil,
    CLIPModel,
    CLIPVisionConfig,
    CLIPVisionModel,
    Gemma3ForCausalLM,
    Gemma3TextConfig,
    PreTrainedTokenizerFast,
    Qwen2Config,
    Qwen2ForCausalLM,
    Siglip2Config,
    Siglip2ImageProcessorPil,
    Siglip2Model,
    Siglip2VisionConfig,
    Siglip2VisionModel,
    SiglipConfig,
    SiglipImageProcessorPil,
    SiglipModel,
    SiglipVisionConfig,
    SiglipVisionModel,
)

from .tiny_hf_models import FRAME_SIZE, HALF, PATCH, QWEN_CHAT_TEMPLATE, TEXT, VISION
from .tiny_tokenizer import trained_bpe

TEXT_TOWER = dict(VISION, vocab_size=99, max_position_embeddings=16)
SIGLIP2_PATCHES = (FRAME_SIZE // PATCH) ** 2

# kind → (config classes of the full and the vision-only model, their model classes, sizes, image processor)
VISION_KINDS = {
    "clip": (CLIPConfig, CLIPVisionConfig, CLIPModel, CLIPVisionModel, dict(image_size=FRAME_SIZE),
             lambda: CLIPImageProcessorPil(size={"shortest_edge": FRAME_SIZE},
                                           crop_size={"height": FRAME_SIZE, "width": FRAME_SIZE})),
    "siglip": (SiglipConfig, SiglipVisionConfig, SiglipModel, SiglipVisionModel, dict(image_size=FRAME_SIZE),
               lambda: SiglipImageProcessorPil(size={"height": FRAME_SIZE, "width": FRAME_SIZE},
                                               image_mean=HALF, image_std=HALF)),
    "siglip2": (Siglip2Config, Siglip2VisionConfig, Siglip2Model, Siglip2VisionModel,
                dict(num_patches=SIGLIP2_PATCHES),
                lambda: Siglip2ImageProcessorPil(patch_size=PATCH, max_num_patches=SIGLIP2_PATCHES,
                                                 image_mean=HALF, image_std=HALF)),
}
TINY_VISION_TOWERS = tuple(kind + suffix for kind in VISION_KINDS for suffix in ("", "_vision"))

GEMMA_CHAT_TEMPLATE = (  # Gemma 3's turns, trimmed (no system role)
    "{{ bos_token }}{% for message in messages %}"
    "{{ '<start_of_turn>' + ('model' if message['role'] == 'assistant' else message['role']) + '\n' }}"
    "{{ message['content'] }}<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)
LLM_KINDS = {  # kind → (special tokens, the named ones, chat template, config class, model class, config extras)
    "qwen2": (["<|endoftext|>", "<|im_start|>", "<|im_end|>"], dict(eos_token="<|im_end|>", pad_token="<|endoftext|>"),
              QWEN_CHAT_TEMPLATE, Qwen2Config, Qwen2ForCausalLM, {}),
    "gemma3": (["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"],
               dict(bos_token="<bos>", eos_token="<eos>", pad_token="<pad>", unk_token="<unk>"),
               GEMMA_CHAT_TEMPLATE, Gemma3TextConfig, Gemma3ForCausalLM, dict(head_dim=16, sliding_window=64)),
}
TINY_LLMS = tuple(LLM_KINDS)


def save_tiny_vision_tower(folder: str | os.PathLike, kind: str, seed: int = 0) -> Path:
    """Write a tiny random vision tower of `kind` (TINY_VISION_TOWERS) and its image processor to `folder`."""
    family, vision_only = kind.removesuffix("_vision"), kind.endswith("_vision")
    if family not in VISION_KINDS or kind not in TINY_VISION_TOWERS:
        raise ValueError(f"no tiny vision tower {kind!r}: choose one of {', '.join(TINY_VISION_TOWERS)}")
    config_class, vision_config_class, model_class, vision_class, sizes, image_processor = VISION_KINDS[family]
    vision = dict(VISION, patch_size=PATCH, **sizes)
    torch.manual_seed(seed)
    if vision_only:
        model = vision_class(vision_config_class(**vision))
    else:
        model = model_class(config_class(vision_config=vision, text_config=TEXT_TOWER))
    model.save_pretrained(folder)
    image_processor().save_pretrained(folder)
    return Path(folder)


def save_tiny_llm(folder: str | os.PathLike, kind: str, seed: int = 0) -> Path:
    """Write a tiny random causal LLM of `kind` (TINY_LLMS) and its tokenizer (no `<video>` token) to `folder`."""
    if kind not in LLM_KINDS:
        raise ValueError(f"no tiny LLM {kind!r}: choose one of {', '.join(TINY_LLMS)}")
    special_tokens, named, chat_template, config_class, model_class, extras = LLM_KINDS[kind]
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=trained_bpe(special_tokens), **named)
    tokenizer.chat_template = chat_template
    ids = {f"{name}_id": tokenizer.convert_tokens_to_ids(named[name]) if name in named else None
           for name in ("bos_token", "eos_token", "pad_token")}
    torch.manual_seed(seed)
    config = config_class(**TEXT, vocab_size=len(tokenizer), max_position_embeddings=4096, **ids, **extras)
    model = model_class(config)
    model.generation_config.update(**ids)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return Path(folder)
