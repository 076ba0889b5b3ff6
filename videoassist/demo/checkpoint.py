"""Stage-0 checkpoints: tower, probes, optimizer and step in one folder that is replaced atomically.

Layout of `<run>/checkpoint/`:
    tower/                 the vision model (save_pretrained) and its image processor
    probes.safetensors     the linear probes
    optimizer.safetensors  AdamW's moments and step counts; optimizer.json its param groups
    state.json             the step reached, elapsed seconds, the settings
safetensors and JSON only: a checkpoint is never unpickled. A new checkpoint is written beside it, then swapped in
(checkpoints.atomic), so an interrupted write leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import PreTrainedModel

from ..checkpoints.atomic import atomic_write, old_copy
from ..errors import ModelError
from ..models.videoassist.base_models import load_vision_model

CHECKPOINT = "checkpoint"


def save_tower(folder: Path, tower: PreTrainedModel, processor, probes: torch.nn.Module) -> None:
    tower.save_pretrained(folder / "tower")
    processor.save_pretrained(folder / "tower")
    save_file({k: v.contiguous() for k, v in probes.state_dict().items()}, str(folder / "probes.safetensors"))


def _optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], list[dict]]:
    state = optimizer.state_dict()
    tensors = {f"{index}.{name}": value.contiguous() for index, slots in state["state"].items()
               for name, value in slots.items()}
    return tensors, state["param_groups"]


def save_checkpoint(run: Path, tower, processor, probes, optimizer, state: dict) -> None:
    with atomic_write(run / CHECKPOINT) as partial:
        partial.mkdir()
        save_tower(partial, tower, processor, probes)
        tensors, groups = _optimizer_tensors(optimizer)
        save_file(tensors, str(partial / "optimizer.safetensors"))
        (partial / "optimizer.json").write_text(json.dumps(groups))
        (partial / "state.json").write_text(json.dumps(state, indent=2))


def find_checkpoint(run: Path) -> Path | None:
    """The checkpoint to resume from; the previous one (atomic.old_copy) when a swap was interrupted between its
    two renames."""
    for folder in (run / CHECKPOINT, old_copy(run / CHECKPOINT)):
        if (folder / "state.json").is_file():
            return folder
    return None


def load_checkpoint(folder: Path) -> tuple[PreTrainedModel, dict]:
    """The tower of a checkpoint folder, and {"probes": state dict, "optimizer": state dict, **state.json}."""
    try:
        tower = load_vision_model(str(folder / "tower"))
        probes = load_file(str(folder / "probes.safetensors"))
        slots: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in load_file(str(folder / "optimizer.safetensors")).items():
            index, name = key.split(".", 1)
            slots.setdefault(int(index), {})[name] = value
        groups = json.loads((folder / "optimizer.json").read_text())
        state = json.loads((folder / "state.json").read_text())
    except (OSError, ValueError, KeyError, RuntimeError) as error:
        raise ModelError(f"{folder}: cannot resume from this checkpoint ({error}); delete it to start again") \
            from error
    return tower, {"probes": probes, "optimizer": {"state": slots, "param_groups": groups}, **state}
