"""Checkpoints in VideoAssist's format, written atomically, and read back when training resumes.

A checkpoint folder holds config.json, `model.safetensors` (what the model stores: the trained modules, plus each
base model that is not the referenced one — all weights for a standalone model), the processor files, and a LoRA
adapter in `llm_adapter/` when the LLM has one. Every `checkpoint-N` of a run has this layout too, so any of them
loads with `videoassist ask --model`.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers.trainer import TRAINER_STATE_NAME
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR
from transformers.utils import CONFIG_NAME, SAFE_WEIGHTS_INDEX_NAME, SAFE_WEIGHTS_NAME

from .lora import ADAPTER_DIR, LORA_MARKER, has_lora, load_adapter_weights, save_adapter

PEFT_LLM_PREFIX = "language_model.base_model.model."
CHECKPOINT_PATTERN = re.compile(rf"^{PREFIX_CHECKPOINT_DIR}-(\d+)$")


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
    the live one is sharded (DeepSpeed ZeRO-3 gathers it for the Trainer)."""

    def write(tmp: Path) -> None:
        model.save_pretrained(tmp, state_dict=weights_to_store(model, state_dict))
        if has_lora(model):
            save_adapter(model, tmp, state_dict)
        processor.save_pretrained(tmp)

    return write_atomically(folder, write)


def write_atomically(folder: str | Path, write: Callable[[Path], None]) -> Path:
    """Run `write(tmp)` on a temporary sibling folder, then put it in place of `folder`.

    A new folder is one rename. A folder that holds more (a run's output_dir keeps its checkpoint-N folders and
    logs beside the final model) gets the new files moved in one by one, config.json removed first and put back
    last: a folder with a config.json always holds a complete model, and nothing else in it is touched.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".{folder.name}.{uuid.uuid4().hex[:8]}.saving"
    try:
        tmp.mkdir()
        write(tmp)
        if not folder.exists():
            os.rename(tmp, folder)
            return folder
        (folder / CONFIG_NAME).unlink(missing_ok=True)
        for stale in [folder / ADAPTER_DIR, *folder.glob("model*.safetensors*")]:  # a previous save's weights
            if stale.is_dir():
                shutil.rmtree(stale)
            elif stale.exists():
                stale.unlink()
        for entry in sorted(tmp.iterdir(), key=lambda p: p.name == CONFIG_NAME):
            target = folder / entry.name
            if target.is_dir():
                shutil.rmtree(target)
            os.replace(entry, target)
        return folder
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def load_checkpoint_weights(model, folder: str | Path) -> None:
    """Load a checkpoint's weights (and adapter) into a model built like the one that wrote it: resuming."""
    folder = Path(folder)
    index = folder / SAFE_WEIGHTS_INDEX_NAME
    if index.is_file():
        shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        state = {k: v for shard in shards for k, v in load_file(folder / shard).items()}
    else:
        state = load_file(folder / SAFE_WEIGHTS_NAME)
    names = {stored_name(n): n for n in model.state_dict() if LORA_MARKER not in n}
    unknown, missing = sorted(set(state) - set(names)), sorted(set(weights_to_store(model)) - set(state))
    if unknown or missing:
        raise ValueError(f"{folder}: weights do not match the model (unknown {unknown[:3]}, missing {missing[:3]})")
    model.load_state_dict({names[k]: v for k, v in state.items()}, strict=False)
    if has_lora(model):
        load_adapter_weights(model, folder)


def last_complete_checkpoint(output_dir: str | Path) -> Path | None:
    """The `checkpoint-N` with the highest N that was written to the end (the Trainer writes its state file
    last), or None."""
    folder = Path(output_dir)
    if not folder.is_dir():
        return None
    complete = [
        (int(match.group(1)), path)
        for path in folder.iterdir()
        if (match := CHECKPOINT_PATTERN.match(path.name)) and (path / TRAINER_STATE_NAME).is_file()
    ]
    return max(complete)[1] if complete else None


__all__ = [
    "save_checkpoint",
    "write_atomically",
    "load_checkpoint_weights",
    "last_complete_checkpoint",
    "weights_to_store",
    "stored_name",
]
