"""sample_frames(): probe, choose indices, decode with decord or PyAV, turn upright."""

from __future__ import annotations

from os import PathLike

import numpy as np

from videoassist.errors import VideoError
from videoassist.video import decord_backend, pyav_backend
from videoassist.video.failures import BackendFailed
from videoassist.video.indices import check_request, sample_indices
from videoassist.video.info import SampledFrames, VideoLimits
from videoassist.video.probe import Inspection, inspect_file
from videoassist.video.rotation import upright

BACKENDS = ("auto", "decord", "pyav")


def sample_frames(
    path: str | PathLike[str],
    num_frames: int | None = None,
    fps: float | None = None,
    max_frames: int | None = None,
    backend: str = "auto",
    limits: VideoLimits | None = None,
    window: tuple[float, float] | None = None,
) -> SampledFrames:
    """Frames of a video (or image) file, chosen by exactly one of `num_frames` (N evenly spaced) or `fps`.

    See videoassist.video.indices for the two policies. `backend`: "auto" is PyAV, measured faster than decord on
    every file tried, short or an hour long (docs/BENCHMARKS.md), and right on the files decord gets wrong
    (decord_backend lists them); "decord" or "pyav" forces one. Both return the same frames and timestamps;
    forcing decord reads the whole file first (probe's damage check), since decord can crash on a damaged one. A
    still image gives one frame at 0.0 s (backend "image") whatever is asked. Any unusable file raises VideoError;
    a bad request (both or neither of num_frames and fps, a non-positive number, an unknown backend) raises
    ValueError. `window` (start, end) in seconds samples only the frames shown in that span, by the same policy
    (a benchmark's question about one segment of a longer video); timestamps stay those of the whole video.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    check_request(num_frames, fps, max_frames)
    inspection = inspect_file(path, limits, read_packets=backend == "decord")
    info = inspection.info
    if inspection.image is not None:
        return SampledFrames(frames=inspection.image, timestamps=[0.0], indices=[0], backend="image", info=info)
    assert inspection.table is not None
    times = inspection.table.times
    indices = sample_indices(times, num_frames=num_frames, sample_fps=fps, max_frames=max_frames, window=window)
    if not indices:
        raise empty_window(path, window, times[-1])
    decoded, used = _decode(path, inspection, indices, backend)
    frames = np.ascontiguousarray(upright(np.stack([decoded[i] for i in indices]), info.rotation))
    return SampledFrames(
        frames=frames,
        timestamps=[float(times[i]) for i in indices],
        indices=indices,
        backend=used,
        info=info,
    )


def empty_window(path, window: tuple[float, float], last_time: float) -> VideoError:
    return VideoError(path, f"has no frame from {window[0]:g} s to {window[1]:g} s (its last is at {last_time:.2f} s)")


def _decode(
    path: str | PathLike[str], inspection: Inspection, indices: list[int], backend: str
) -> tuple[dict[int, np.ndarray], str]:
    table = inspection.table
    assert table is not None
    if backend == "decord":
        try:
            frames = decord_backend.decode_frames(
                path, table, inspection.container_format, inspection.info.rotation, indices
            )
            return frames, "decord"
        except BackendFailed as failure:
            raise VideoError(path, f"cannot be decoded with decord: {failure}") from failure
    return pyav_backend.decode_frames(path, table, inspection.stream_index, indices), "pyav"
