"""decord backend: `VideoReader.get_batch` on the indices from our frame table, checked against that table.

decord is imported here, lazily: it is optional (no wheel for every platform) and loads its own FFmpeg build.
Everything it raises becomes BackendFailed, so the sampler can fall back on PyAV. What decord 0.6 gets wrong is
refused up front, since a wrong frame looks like a right one:

* containers: decord's seeking was checked frame-accurate (frames that show their own index) in MP4/MOV,
  MKV/WebM and AVI; in MPEG-TS its get_batch returned frames a whole GOP late. Other containers go to PyAV.
* open GOPs: in an HEVC stream with x265's default open GOPs, decord's get_batch returned frame 15 for frame 25;
  streams whose keyframes are followed by frames shown before them (FrameTable.open_gop) go to PyAV.
* rotation: decord applies the `rotate` tag itself, and gets quarter turns wrong (a 90-degree file comes back as
  a wrongly shaped 4-channel array and get_batch fails), so rotated files go to PyAV, which turns them itself.
* frame numbering: decord counts frames itself; if its count or timestamps disagree with the frame table, its
  "frame i" is not ours, and its frames are not used. Files without usable pts (H.264 with B-frames in AVI)
  are refused outright: there is nothing to check decord's numbering against.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from os import PathLike

import numpy as np

from videoassist.errors import one_line
from videoassist.video.failures import BackendFailed
from videoassist.video.timeline import FrameTable

# FFmpeg demuxer names (Inspection.container_format) of the containers where decord's frames were verified.
VERIFIED_FORMATS = frozenset({"mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "avi"})

# decord reports times as float32 seconds: 0.25 ms of rounding at one hour. Frames are further apart than 1 ms.
_TIME_TOLERANCE_S = 1e-3


def decode_frames(
    path: str | PathLike[str], table: FrameTable, container_format: str, rotation: int, indices: Sequence[int]
) -> dict[int, np.ndarray]:
    """RGB frames `{index: [H, W, 3] uint8}` as stored, for the distinct `indices`; BackendFailed if decord can't."""
    if container_format not in VERIFIED_FORMATS:
        raise BackendFailed(f"decord is not frame-accurate with {container_format} files, only MP4/MOV, MKV/WebM, AVI")
    if rotation:
        raise BackendFailed(f"decord mis-decodes rotated videos (this one is turned {rotation} degrees)")
    if table.open_gop:
        raise BackendFailed("decord mis-numbers frames after seeking in open-GOP streams like this one")
    if not table.pts_in_order:
        raise BackendFailed("the file's frames have no usable timestamps (B-frames in AVI?) to check decord against")
    decord = _import_decord()
    wanted = sorted(set(indices))
    try:
        reader = decord.VideoReader(os.fspath(path), ctx=decord.cpu(0))
        if len(reader) != table.num_frames:
            raise BackendFailed(f"decord counts {len(reader)} frames, the file has {table.num_frames}")
        starts = reader.get_frame_timestamp([0, *wanted])[:, 0].astype(np.float64)
        if np.abs((starts[1:] - starts[0]) - table.times[wanted]).max() > _TIME_TOLERANCE_S:
            raise BackendFailed("decord's frame timestamps disagree with the file's")
        batch = reader.get_batch(wanted).asnumpy()
    except BackendFailed:
        raise
    except Exception as error:  # decord raises DECORDError, RuntimeError, ValueError, ... with multi-line texts
        raise BackendFailed(f"decord failed: {one_line(str(error))}") from error
    return dict(zip(wanted, batch))


def _import_decord():
    try:
        import decord
    except ImportError as error:
        raise BackendFailed("decord is not installed") from error
    # decord's bundled FFmpeg logs straight to stderr; its failures reach us as exceptions instead.
    decord.logging.set_level(decord.logging.QUIET)
    return decord
