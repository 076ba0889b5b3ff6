"""Where captioning runs. An engine is a context manager `open(model, settings, options)` that gives an object whose
`run(paths)` yields one VideoCaptions per path (in any order); `run_batch` does the rest (resume, progress, writing).

    local  this process: the model loaded once, frames prefetched in a thread (pipeline.local_captioner)
    ray    a Ray Data pipeline: frames sampled in CPU tasks, the model in an actor pool (ray_engine.ray_captioner)

A new engine is one module and one line in ENGINES. Light: the CLI reads the names without importing torch or Ray.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from ..precisions import DEFAULT_PRECISION

ENGINES = {
    "local": "videoassist.captioning.pipeline:local_captioner",
    "ray": "videoassist.captioning.ray_engine:ray_captioner",
}


@dataclass
class ModelChoice:
    name: str = "demo"  # what VideoAssistant.load takes
    device: str | None = None
    precision: str = DEFAULT_PRECISION  # the LLM's weights (inference/precision.py)


@dataclass
class EngineOptions:
    address: str | None = None  # Ray: a running cluster (ray://… or host:port); None starts one on this machine
    workers: int | None = None  # Ray: model actors; None: one per GPU share, or one per 2 CPUs
    num_gpus_per_worker: float = 0.0  # Ray: GPUs each model actor holds (0: CPU)
    batch_size: int = 1  # Ray: videos per model-actor call; the model generates for one video at a time anyway


def open_engine(name: str, model: ModelChoice, settings, options: EngineOptions):
    """The engine `name`'s context manager (its module imported only now)."""
    module, function = ENGINES[name].split(":")
    return getattr(importlib.import_module(module), function)(model, settings, options)
