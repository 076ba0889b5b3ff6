"""Which frames to take: pure functions of the video's frame times, unit-tested on their own.

Two policies, one per model family:

* N evenly spaced frames (Valley's 8 frames): the centre frame of each of N equal segments of the video. Centres
  rather than `linspace(0, n - 1, N)` end points, so the very first and last frames (often black fades or a
  title card) are not always among the few frames the model sees, and the spacing is the same at both ends.
  When the video has fewer than N frames some frames repeat: the token builders expect exactly N.
* F frames per second (LLaMA-VID's 1 fps): the frame on screen at times 0, 1/F, 2/F, ... up to the last frame,
  looked up in the real frame times, so variable frame rate videos are sampled by time, not by frame count.
  Over `max_frames`, the video is re-spaced evenly with exactly `max_frames` frames (the first policy).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Float slack when comparing a wanted time with a frame time: 0.1 * 3 is 0.30000000000000004, yet the frame at
# 0.3 s is the one on screen at "0.3 s". A microsecond is far below any real frame interval.
_TIME_SLACK_S = 1e-6


def evenly_spaced(total_frames: int, count: int) -> list[int]:
    """The centre index of each of `count` equal segments of `range(total_frames)`; integer arithmetic, exact."""
    if total_frames < 1 or count < 1:
        raise ValueError(f"need at least one frame and one sample, got total_frames={total_frames}, count={count}")
    return [((2 * k + 1) * total_frames) // (2 * count) for k in range(count)]


def at_rate(frame_times: Sequence[float] | np.ndarray, sample_fps: float) -> list[int]:
    """Index of the frame on screen at each of the times 0, 1/F, 2/F, ... <= the last frame's time.

    `frame_times` are presentation times in seconds, ascending, the first one 0.0.
    """
    times = np.asarray(frame_times, dtype=np.float64)
    if times.size == 0 or sample_fps <= 0:
        raise ValueError(f"need at least one frame and a positive rate, got {times.size} frames, {sample_fps} fps")
    count = int(np.floor(times[-1] * sample_fps + _TIME_SLACK_S)) + 1
    wanted = np.arange(count) / sample_fps
    # The frame on screen at time t is the last one that started at or before t.
    found = np.searchsorted(times, wanted + _TIME_SLACK_S, side="right") - 1
    return np.maximum(found, 0).tolist()


def check_request(num_frames: int | None, sample_fps: float | None, max_frames: int | None) -> None:
    """ValueError unless exactly one of `num_frames` / `sample_fps` is given and every given number is positive."""
    if (num_frames is None) == (sample_fps is None):
        raise ValueError("give exactly one of num_frames or fps")
    for name, value in (("num_frames", num_frames), ("fps", sample_fps), ("max_frames", max_frames)):
        if value is not None and value <= 0:
            raise ValueError(f"{name} must be positive, got {value}")


def sample_indices(
    frame_times: Sequence[float] | np.ndarray,
    *,
    num_frames: int | None = None,
    sample_fps: float | None = None,
    max_frames: int | None = None,
    window: tuple[float, float] | None = None,
) -> list[int]:
    """Frame indices to decode, in presentation order, for exactly one of `num_frames` or `sample_fps`.

    `frame_times` holds every frame's presentation time in seconds from the first frame (a constant-rate video
    of n frames at r fps is `numpy.arange(n) / r`). `max_frames` caps either policy; `num_frames` over the cap
    becomes the cap, a rate that would give more frames than the cap is re-spaced evenly. `window` (start, end)
    in seconds: the same policy over only the frames shown in that span (from the one on screen at `start` to the
    last starting by `end`); [] when the span shows no frame.
    """
    check_request(num_frames, sample_fps, max_frames)
    if window is not None:
        times = np.asarray(frame_times, dtype=np.float64)
        start, end = window
        first = max(int(np.searchsorted(times, start + _TIME_SLACK_S, side="right")) - 1, 0)
        last = int(np.searchsorted(times, end + _TIME_SLACK_S, side="right"))
        if start > end or first >= last or start > times[-1]:
            return []
        picked = sample_indices(times[first:last] - times[first], num_frames=num_frames, sample_fps=sample_fps,
                                max_frames=max_frames)
        return [first + i for i in picked]
    total = len(frame_times)
    if num_frames is not None:
        return evenly_spaced(total, num_frames if max_frames is None else min(num_frames, max_frames))
    assert sample_fps is not None  # exactly one of the two was given
    picked = at_rate(frame_times, sample_fps)
    if max_frames is not None and len(picked) > max_frames:
        return evenly_spaced(total, max_frames)
    return picked
