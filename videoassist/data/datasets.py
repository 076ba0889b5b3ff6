"""Map-style datasets: conversations with their sampled frames, and a weighted mix of several datasets."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from videoassist.errors import DataError, VideoError
from videoassist.video import SampledFrames, SamplingConfig, VideoLimits, sample_frames

from .failures import FailureLog
from .records import Sample


def load_frames(video: Path, sampling: SamplingConfig, limits: VideoLimits | None = None) -> SampledFrames:
    """The uint8 RGB frames [T, H, W, 3] of a video (or image) file with their times, sampled as `sampling` says;
    VideoError if not."""
    return sample_frames(video, num_frames=sampling.num_frames, fps=sampling.fps,
                         max_frames=sampling.max_frames, limits=limits)


def failure_reason(video: Path) -> str:
    """The failure-log category of a video that did not load."""
    return "unreadable" if video.exists() else "missing"


class VideoConversationDataset(torch.utils.data.Dataset):
    """Item i: `{"id", "messages", "frames", "timestamps"}`, frames uint8 [T, H, W, 3] and their times in seconds
    (HF-native models write them into the prompt), or None for a text-only sample.

    A missing or unreadable video is never an error mid-epoch: it goes to the failure log, is remembered (this
    process does not try it again) and the next readable sample is returned instead, so every batch is full.
    """

    def __init__(self, samples: Sequence[Sample], sampling: SamplingConfig | None = None,
                 failure_log: FailureLog | None = None, limits: VideoLimits | None = None):
        self.samples = samples
        self.sampling = sampling or SamplingConfig()
        self.failure_log = failure_log if failure_log is not None else FailureLog()
        self.limits = limits
        self._unusable: set[int] = set()

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> dict:
        for offset in range(len(self.samples)):
            candidate = (index + offset) % len(self.samples)
            if candidate in self._unusable:
                continue
            item = self._load(self.samples[candidate])
            if item is not None:
                return item
            self._unusable.add(candidate)
        first = self.samples[0].video if self.samples else None
        raise DataError(first or "dataset", f"none of the {len(self.samples)} samples has a readable video "
                                            f"({self.failure_log.summary()}); is the video root right?")

    def _load(self, sample: Sample) -> dict | None:
        sampled = None
        if sample.video is not None:
            try:
                sampled = load_frames(sample.video, self.sampling, self.limits)
            except VideoError as error:
                self.failure_log.record(sample.id, sample.video, failure_reason(sample.video), error.problem)
                return None
        return {"id": sample.id, "messages": sample.messages, "frames": sampled and sampled.frames,
                "timestamps": sampled and sampled.timestamps}


class MixedDataset(torch.utils.data.Dataset):
    """Several map-style datasets drawn with probabilities proportional to `weights`.

    The draw is a fixed table made from `seed`: position i says which dataset and which of its items. Within a
    dataset items come in shuffled passes, so a small dataset with a large weight repeats all of its items before
    any twice. `length` (default: all datasets' lengths added) is one epoch for the Trainer, which shuffles the
    positions itself.
    """

    def __init__(self, datasets: Sequence, weights: Sequence[float] | None = None, seed: int = 0,
                 length: int | None = None):
        if not datasets:
            raise ValueError("MixedDataset needs at least one dataset")
        weights = np.ones(len(datasets)) if weights is None else np.asarray(weights, dtype=np.float64)
        if len(weights) != len(datasets) or (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(f"need one non-negative weight per dataset, not all zero; got {list(weights)}")
        if any(len(d) == 0 for d, w in zip(datasets, weights) if w > 0):
            raise ValueError("a dataset with a positive weight is empty")
        self.datasets = list(datasets)
        self.weights = weights / weights.sum()
        self.length = int(length if length is not None else sum(len(d) for d in datasets))
        rng = np.random.default_rng(seed)
        self.source = rng.choice(len(datasets), size=self.length, p=self.weights)
        self.item = np.zeros(self.length, dtype=np.int64)
        for k, dataset in enumerate(self.datasets):
            positions = np.flatnonzero(self.source == k)
            if positions.size:
                passes = -(-positions.size // len(dataset))
                order = np.concatenate([rng.permutation(len(dataset)) for _ in range(passes)])
                self.item[positions] = order[: positions.size]

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int):
        return self.datasets[int(self.source[index])][int(self.item[index])]
