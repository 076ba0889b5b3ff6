"""Checkpoint folders in VideoAssist's format: written atomically, and read back into a model when training resumes.

A checkpoint folder holds config.json, `model.safetensors` (what the model stores: the trained modules, plus each
base model that is not the referenced one — all weights for a standalone model), the processor files, and a LoRA
adapter in `llm_adapter/` when the LLM has one. Every `checkpoint-N` of a training run has this layout too, so
any of them loads with `videoassist ask --model`. Loading one by name is `sources.load_model`.
"""

from __future__ import annotations

from pathlib import Path

import torch
from transformers.utils import CONFIG_NAME

from ..models.videoassist.stored_weights import read_stored_weights
from .atomic import atomic_update
from .lora import ADAPTER_DIR, LORA_MARKER, has_lora, load_adapter_weights, save_adapter

PEFT_LLM_PREFIX = "language_model.base_model.model."
STALE_WEIGHTS = (ADAPTER_DIR, "model*.safetensors*")  # a previous save's weights, which a new one may not overwrite


def stored_name(name: str) -> str:
    """A parameter's name in model.safetensors: a LoRA-wrapped LLM's base weights keep their plain names, so the
    file loads into the model with or without the adapter."""
    if name.startswith(PEFT_LLM_PREFIX):
        return "language_model." + name[len(PEFT_LLM_PREFIX) :].replace(".base_layer.", ".")
    return name


def weights_to_store(model, state_dict: dict[str, torch.Tensor] | None = None) -> dict[str, torch.Tensor]:
    """The model's own weights file: everything but the frozen base models it references, and no adapters."""
    state_dict = state_dict if state_dict is not None else model.state_dict()
    names = model._trained_state_dict().keys() if model.references_base_models else state_dict.keys()
    return {stored_name(n): state_dict[n] for n in names if LORA_MARKER not in n}


def save_checkpoint(model, processor, folder: str | Path, state_dict: dict[str, torch.Tensor] | None = None) -> Path:
    """Write model (+ adapter) and processor to `folder` atomically. `state_dict`: the model's full state dict when
    the live one is sharded (DeepSpeed ZeRO-3 gathers it for the Trainer).

    A folder that holds more (a run's output_dir keeps its checkpoint-N folders and logs beside the final model)
    keeps it: config.json goes first and comes back last, so a folder with a config.json always holds a complete
    model (atomic.atomic_update)."""
    with atomic_update(folder, marker=CONFIG_NAME, stale=STALE_WEIGHTS) as partial:
        model.save_pretrained(partial, state_dict=weights_to_store(model, state_dict))
        if has_lora(model):
            save_adapter(model, partial, state_dict)
        processor.save_pretrained(partial)
    return Path(folder)


def load_checkpoint_weights(model, folder: str | Path) -> None:
    """Load a checkpoint's weights (and adapter) into a model built like the one that wrote it: resuming."""
    state = read_stored_weights(folder)
    names = {stored_name(n): n for n in model.state_dict() if LORA_MARKER not in n}
    unknown, missing = sorted(set(state) - set(names)), sorted(set(weights_to_store(model)) - set(state))
    if unknown or missing:
        raise ValueError(f"{folder}: weights do not match the model (unknown {unknown[:3]}, missing {missing[:3]})")
    model.load_state_dict({names[k]: v for k, v in state.items()}, strict=False)
    if has_lora(model):
        load_adapter_weights(model, folder)


__all__ = ["save_checkpoint", "load_checkpoint_weights", "weights_to_store", "stored_name"]
