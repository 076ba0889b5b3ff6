"""The weights a checkpoint folder stores: `model.safetensors`, or the shards its index names. Safetensors only.

The one reader of a folder's weights files: the model's `from_pretrained` and the checkpoint layer's resuming
(videoassist.checkpoints.folder) both use it. It lives here because the model class must not import the layer
above it.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers.utils import SAFE_WEIGHTS_INDEX_NAME, SAFE_WEIGHTS_NAME

from ...errors import ModelError


def read_stored_weights(folder: str | Path) -> dict[str, torch.Tensor]:
    """Every tensor of the folder's weights file, or of all the shards its index lists."""
    folder = Path(folder)
    if (folder / SAFE_WEIGHTS_NAME).is_file():
        return load_file(folder / SAFE_WEIGHTS_NAME)
    index = folder / SAFE_WEIGHTS_INDEX_NAME
    if not index.is_file():
        raise ModelError(f"{folder}: no {SAFE_WEIGHTS_NAME} (safetensors weights) in the checkpoint")
    shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
    return {name: tensor for shard in shards for name, tensor in load_file(folder / shard).items()}


__all__ = ["read_stored_weights"]
