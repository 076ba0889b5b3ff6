"""Cutting a video's timeline into fixed-length segments, and choosing the frame rate that feeds them.

A video is sampled once, at one rate, over its whole length; its frames are then grouped by timestamp. That
decodes every frame once (per-segment sampling would scan the file once per segment) and gives every full
segment the same number of frames at the same offsets.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Segment:
    start_s: float
    end_s: float
    frames: list[int]  # positions in the sampled clip


def segment_rate(segment_seconds: float, num_frames: int | None, fps: float | None) -> float:
    """Frames per second that give each segment `num_frames` frames (or the given `fps`), at least one each."""
    rate = fps if fps is not None else num_frames / segment_seconds
    return max(rate, 1.0 / segment_seconds)


def split_by_time(timestamps: list[float], segment_seconds: float, duration_s: float) -> list[Segment]:
    """Segments [k·S, (k+1)·S), the last one ending with the video; a segment without a sampled frame is left out."""
    if segment_seconds <= 0:
        raise ValueError(f"segment_seconds must be positive, got {segment_seconds}")
    groups: dict[int, list[int]] = {}
    for position, time in enumerate(timestamps):
        # A microsecond of slack: the frame sampled "at 2.0 s" may carry 1.9999999 after float arithmetic.
        groups.setdefault(int((time + 1e-6) // segment_seconds), []).append(position)
    return [
        Segment(k * segment_seconds, max(min((k + 1) * segment_seconds, duration_s), k * segment_seconds), frames)
        for k, frames in sorted(groups.items())
    ]
