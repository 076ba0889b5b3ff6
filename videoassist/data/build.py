"""DataSpec / build_dataset: the training config's list of datasets → one torch Dataset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import webdataset as wds

from videoassist.errors import DataError
from videoassist.video import SamplingConfig, VideoLimits

from .datasets import MixedDataset, VideoConversationDataset
from .failures import FailureLog
from .records import read_records
from .shards import ShardDataset

FORMATS = ("auto", "json", "shards")


@dataclass
class DataSpec:
    """One dataset: a Valley/LLaVA JSON or JSONL file (videos under `video_root`, default the file's folder) or
    WebDataset shards (a folder of `shard-*.tar`, a brace pattern or URL). `weight`: its share in a mix."""

    path: str
    video_root: str | None = None
    weight: float = 1.0
    format: str = "auto"

    def resolved_format(self) -> str:
        if self.format not in FORMATS:
            raise DataError(self.path, f"unknown data format {self.format!r}; expected one of {', '.join(FORMATS)}")
        if self.format != "auto":
            return self.format
        if Path(self.path).suffix.lower() in (".json", ".jsonl"):
            return "json"
        if Path(self.path).is_dir() or ".tar" in self.path:
            return "shards"
        raise DataError(self.path, "is neither a .json/.jsonl file nor shards (a folder of .tar files or a "
                                   ".tar pattern); set format")


def build_dataset(specs: list[DataSpec], sampling: SamplingConfig | None = None,
                  failure_log: FailureLog | None = None, seed: int = 0, limits: VideoLimits | None = None,
                  shuffle_buffer: int = 1000) -> torch.utils.data.Dataset | torch.utils.data.IterableDataset:
    """One spec → its dataset; several → a MixedDataset (JSON datasets, deterministic for `seed`) or a weighted
    random mix of streams (shards). JSON and shards cannot be mixed: shard the JSON ones too."""
    if not specs:
        raise DataError("data", "no datasets given")
    failure_log = failure_log if failure_log is not None else FailureLog()
    datasets = []
    for spec in specs:
        if spec.resolved_format() == "json":
            if spec.video_root is not None and not Path(spec.video_root).is_dir():
                raise DataError(spec.video_root, f"is not a folder (the video root of {spec.path})")
            samples = read_records(spec.path, spec.video_root)
            datasets.append(VideoConversationDataset(samples, sampling, failure_log, limits))
        else:
            datasets.append(ShardDataset(spec.path, sampling, failure_log, limits, shuffle=shuffle_buffer, seed=seed))
    if len(datasets) == 1:
        return datasets[0]
    weights = [spec.weight for spec in specs]
    streams = [isinstance(d, torch.utils.data.IterableDataset) for d in datasets]
    if all(streams):
        return wds.RandomMix(datasets, probs=weights)
    if any(streams):
        raise DataError(", ".join(spec.path for spec in specs),
                        "mixes JSON datasets with shards; shard the JSON ones too (python -m data_tools shard)")
    return MixedDataset(datasets, weights, seed=seed)
