"""A folder of extracted frames (00001.jpg, 00002.jpg, ... at a known rate) sampled like a video: some benchmarks
ship clips so (MVBench's TVQA frames at 3 fps)."""

from __future__ import annotations

import os
from os import PathLike
from pathlib import Path

import numpy as np

from videoassist.errors import VideoError
from videoassist.video.image import read_image
from videoassist.video.indices import check_request, sample_indices
from videoassist.video.info import SampledFrames, VideoInfo
from videoassist.video.sampler import empty_window
from videoassist.video.suffixes import IMAGE_SUFFIXES


def sample_frame_folder(
    folder: str | PathLike[str],
    frame_rate: float,
    num_frames: int | None = None,
    fps: float | None = None,
    max_frames: int | None = None,
    window: tuple[float, float] | None = None,
) -> SampledFrames:
    """The images of `folder`, in name order, taken as the frames of a video shown at `frame_rate` per second,
    sampled as sample_frames samples a video (the same policies, `window` included). VideoError when the folder
    is missing or holds no image."""
    check_request(num_frames, fps, max_frames)
    folder = Path(folder)
    if not folder.is_dir():
        raise VideoError(folder, "no such folder of frames")
    files = sorted(f for f in folder.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise VideoError(folder, "holds no image frames")
    times = np.arange(len(files)) / frame_rate
    indices = sample_indices(times, num_frames=num_frames, sample_fps=fps, max_frames=max_frames, window=window)
    if not indices:
        raise empty_window(folder, window, times[-1])
    frames = np.stack([read_image(files[i])[1][0] for i in indices])
    info = VideoInfo(path=os.fspath(folder), duration_s=len(files) / frame_rate, fps=frame_rate,
                     num_frames=len(files), width=frames.shape[2], height=frames.shape[1], rotation=0,
                     is_image=False, codec="frames")
    return SampledFrames(frames=frames, timestamps=[float(times[i]) for i in indices], indices=indices,
                         backend="frames", info=info)
