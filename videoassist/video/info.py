"""The three records of the public video API: what a file is, what was sampled from it, and how much to accept."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class VideoLimits:
    """Refuse files over these sizes before decoding them (an upload form's guard); None means unlimited."""

    max_duration_s: float | None = None
    max_bytes: int | None = None


@dataclass(frozen=True)
class VideoInfo:
    """Facts about a video (or still image) file, as `probe` finds them.

    `width` and `height` are the displayed size, i.e. after `rotation`. `rotation` is the clockwise turn, in
    degrees (0, 90, 180 or 270), that the stored pictures need to be upright: the value of the classic `rotate`
    tag, so a phone's portrait clip says 90. `num_frames` counts the frames actually present in the file (a packet
    scan), not a header's promise. A still image is a one-frame video: duration 0, fps 0.
    """

    path: str
    duration_s: float
    fps: float
    num_frames: int
    width: int
    height: int
    rotation: int
    is_image: bool
    codec: str


@dataclass(frozen=True)
class SampledFrames:
    """Frames taken from a video: `frames[k]` is frame `indices[k]`, shown at `timestamps[k]` seconds.

    `frames` is uint8 RGB `[T, H, W, 3]`, upright (rotation applied). Timestamps are presentation times counted
    from the first frame of the video, so the first frame is at 0.0 whatever the container's start offset.
    """

    frames: np.ndarray
    timestamps: list[float]
    indices: list[int]
    backend: str
    info: VideoInfo
