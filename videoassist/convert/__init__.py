"""Converters from released original checkpoints to VideoAssist checkpoints (`videoassist convert`).

Each original release has its own module (its key names, shapes and settings) defining `convert(source, output)`;
`original.py` reads their files: safetensors, or pickled `.bin`/`.pth` through `torch.load(weights_only=True)`
and nothing else. This package's root stays light (the CLI lists the kinds without importing torch).
"""

from __future__ import annotations

import importlib
from pathlib import Path

KINDS = ("valley", "llamavid")


def convert(kind: str, source, output, **options) -> Path:
    """Convert the original checkpoint folder `source` of release `kind` into a VideoAssist checkpoint `output`.
    `options`: the release's own (llamavid: `vision_tower`, `qformer_tokenizer`)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    return importlib.import_module(f".{kind}", __name__).convert(source, output, **options)


__all__ = ["KINDS", "convert"]
