"""Tiny random models for tests and for trying every code path in seconds, built entirely offline.

`save_tiny_model(folder, token_mode=…)` writes a complete checkpoint: a tiny CLIP vision tower (with its image
processor) and a tiny Llama (with its tokenizer) saved as the *base models* (in `folder/base_vision`,
`folder/base_llm`), and the VideoAssist checkpoint that references them, exactly the layout a real fine-tune has.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from transformers import CLIPImageProcessorPil, CLIPVisionConfig, LlamaConfig

from .models.videoassist import (VideoAssistConfig, VideoAssistForCausalLM, VideoAssistProcessor,
                                 VideoAssistVideoProcessor)
# Tiny base models (vision towers, LLMs), Hugging Face-native video LLMs and checkpoints in the originals' layouts:
# their own modules, re-exported.
from .tiny_base_models import TINY_LLMS, TINY_VISION_TOWERS, save_tiny_llm, save_tiny_vision_tower  # noqa: F401
from .tiny_hf_models import TINY_HF_ARCHITECTURES, save_tiny_hf_model  # noqa: F401
from .tiny_originals import save_tiny_original_checkpoint  # noqa: F401
from .tiny_tokenizer import tiny_tokenizer

# Token builder settings sized for the tiny models, and a small `objects` vocabulary.
TINY_BUILDER_SETTINGS = {
    "valley_v3": {"temporal_heads": 4},
    "llamavid": {"num_queries": 4, "query_heads": 4},
    "objects": {
        "classes": [["red", "circle"], ["blue", "square"], ["green", "triangle"]],
        "motions": ["left", "right", "up", "down", "still"],
        "events": ["nothing", "appears", "disappears", "red", "blue", "green"],
        "orders": ["start", "partway"],
        "counts": ["one", "two", "three"],
    },
}


def tiny_config(token_mode: str = "llamavid", vocab_size: int = 320, **overrides) -> VideoAssistConfig:
    """`overrides`: VideoAssistConfig fields; `token_builder_config` entries update the tiny builder settings."""
    vision = CLIPVisionConfig(
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        image_size=32,
        patch_size=8,
    )
    text = LlamaConfig(
        hidden_size=48,
        intermediate_size=96,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        vocab_size=vocab_size,
        max_position_embeddings=8192,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=0,
    )
    settings = dict(
        vision_config=vision.to_dict(),
        text_config=text.to_dict(),
        token_mode=token_mode,
    )
    builder_settings = {**TINY_BUILDER_SETTINGS.get(token_mode, {}), **overrides.pop("token_builder_config", {})}
    settings.update(overrides, token_builder_config=builder_settings)
    return VideoAssistConfig(**settings)


def tiny_image_processor() -> CLIPImageProcessorPil:
    """The tiny vision tower's own image processor, as a released CLIP checkpoint ships one."""
    return CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})


def build_tiny_model(token_mode: str = "llamavid", seed: int = 0, **overrides):
    """→ (model, processor), random weights, nothing saved."""
    torch.manual_seed(seed)
    tokenizer = tiny_tokenizer()
    config = tiny_config(token_mode, vocab_size=len(tokenizer), **overrides)
    config.video_token_id = tokenizer.convert_tokens_to_ids(config.video_token)
    model = VideoAssistForCausalLM(config).eval()
    video_processor = VideoAssistVideoProcessor(**tiny_image_processor().to_dict())
    return model, VideoAssistProcessor(video_processor, tokenizer, config)


def save_tiny_model(folder: str | os.PathLike, token_mode: str = "llamavid", seed: int = 0, **overrides) -> Path:
    """Build a tiny random model for `token_mode` and save it (with its base models) to `folder`."""
    folder = Path(folder)
    model, processor = build_tiny_model(token_mode, seed, **overrides)
    vision_dir, llm_dir = folder / "base_vision", folder / "base_llm"
    model.vision_tower.model.save_pretrained(vision_dir)
    tiny_image_processor().save_pretrained(vision_dir)
    model.language_model.save_pretrained(llm_dir)
    processor.tokenizer.save_pretrained(llm_dir)
    model.config.vision_name_or_path = str(vision_dir.resolve())
    model.config.llm_name_or_path = str(llm_dir.resolve())
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder

