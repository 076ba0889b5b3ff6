"""SamplingConfig: how frames are taken from a video by default, as a checkpoint records it for its model."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SamplingConfig:
    """N evenly spaced frames (Valley) or F per second (LLaMA-VID), at most `max_frames`: the arguments of
    `sample_frames` that a model was trained with."""

    num_frames: int | None = 8
    fps: float | None = None
    max_frames: int = 64

    def __post_init__(self):
        if (self.num_frames is None) == (self.fps is None):
            raise ValueError("set exactly one of num_frames or fps")
