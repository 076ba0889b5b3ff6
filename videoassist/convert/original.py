"""Reading an original checkpoint folder: its config.json and its weights, shard by shard.

Pickled weights (`pytorch_model*.bin`, `*.pth`) are only ever read with `torch.load(weights_only=True)`: plain
tensors in a dict load, anything else (an arbitrary object, code) is refused with a one-line error.
"""

from __future__ import annotations

import json
import math
import pickle
import re
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file

from ..errors import ModelError

# (index file, single file) of each weight format, safetensors first.
WEIGHT_LAYOUTS = (
    ("model.safetensors.index.json", "model.safetensors"),
    ("pytorch_model.bin.index.json", "pytorch_model.bin"),
)


def read_config(folder: Path) -> dict:
    path = folder / "config.json"
    if not path.is_file():
        raise ModelError(f"{path}: missing (not an original checkpoint folder)")
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ModelError(f"{path}: not readable JSON ({error})") from error


def weight_files(folder: Path) -> list[Path]:
    """The checkpoint's weight files: the shards its index names, or its single weights file."""
    for index_name, single_name in WEIGHT_LAYOUTS:
        index = folder / index_name
        if index.is_file():
            try:
                shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
            except (OSError, ValueError, KeyError, AttributeError) as error:
                raise ModelError(f"{index}: not a weight index ({error})") from error
            missing = [name for name in shards if not (folder / name).is_file()]
            if missing:
                raise ModelError(f"{folder / missing[0]}: missing (named by {index_name})")
            return [folder / name for name in shards]
        if (folder / single_name).is_file():
            return [folder / single_name]
    raise ModelError(f"{folder}: no weights (model.safetensors or pytorch_model.bin, or their index)")


def load_weights(path: Path) -> dict[str, torch.Tensor]:
    """One weights file → its tensors: safetensors as is, a pickle only through torch.load(weights_only=True)."""
    if path.suffix == ".safetensors":
        try:
            return load_file(str(path))
        except Exception as error:  # safetensors raises its own error types
            raise ModelError(f"{path}: not readable safetensors ({_first_line(error)})") from error
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except (pickle.UnpicklingError, RuntimeError, EOFError, ValueError) as error:
        raise ModelError(f"{path}: refused, not a plain tensor file ({_first_line(error)})") from error
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ModelError(f"{path}: not a state dict of tensors")
    return state


def load_state_dict(folder: Path) -> dict[str, torch.Tensor]:
    """All the checkpoint's tensors, merged over its shards."""
    state: dict[str, torch.Tensor] = {}
    for path in weight_files(folder):
        state.update(load_weights(path))
    return state


@dataclass
class VitShapes:
    """A ViT's sizes, read off its weights (the originals' configs only name their towers)."""

    width: int
    patch_size: int
    image_size: int
    mlp_width: int
    depth: int


def vit_shapes(state: dict[str, torch.Tensor], keys: tuple[str, str, str], block: str, missing: str) -> VitShapes:
    """`keys`: the patch conv [width, 3, p, p], the position table (CLS + grid² rows, as its second-to-last
    dimension) and the first block's first MLP layer; `block`: a regex whose group is a block's number; `missing`:
    the one-line error's text when a key is absent, with `{key}` in it."""
    patch_key, positions_key, fc1_key = keys
    try:
        patch, positions, fc1 = state[patch_key], state[positions_key].shape[-2], state[fc1_key]
    except KeyError as error:
        raise ModelError(missing.format(key=repr(error.args[0]))) from error
    depth = len({int(m.group(1)) for k in state if (m := re.match(block, k))})
    return VitShapes(width=patch.shape[0], patch_size=patch.shape[-1],
                     image_size=math.isqrt(positions - 1) * patch.shape[-1], mlp_width=fc1.shape[0], depth=depth)


def _first_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
