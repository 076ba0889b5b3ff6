"""`videoassist merge`: a standalone checkpoint — LoRA adapters folded into the LLM, every weight in one folder.

The result references no base model: config.json has no vision/LLM paths and model.safetensors holds the vision
tower, the LLM and the trained modules, so it loads on a machine that has nothing else (and is as large as the
base models together).
"""

from __future__ import annotations

from pathlib import Path

from .folder import save_checkpoint
from .lora import has_lora, merge_lora
from .sources import load_model


def merge_checkpoint(checkpoint: str | Path, output: str | Path) -> Path:
    model, processor = load_model(str(checkpoint))
    if has_lora(model):
        merge_lora(model)
    model.config.vision_name_or_path = None
    model.config.llm_name_or_path = None
    return save_checkpoint(model, processor, output)


__all__ = ["merge_checkpoint"]
