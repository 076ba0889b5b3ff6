"""The frame table: every frame's presentation timestamp and keyframe flag, found without decoding.

This is what makes sampling frame-accurate. "Frame i" means the i-th frame in presentation order, the same
meaning decord gives it; its timestamp is its real pts, so variable frame rate needs no special case; and the
count is what the file really holds, not what a header promises (MKV/WebM headers hold none).

Two ways to fill it: `scan()` demuxes every packet (reads the whole file without decoding it: 0.7 s for the 641 MB
hour of 720p in docs/BENCHMARKS.md), and `from_index()` reads an MP4's own index, which FFmpeg has already loaded
with the header (0.07 s for the same file), where that index gives the same table.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from os import PathLike

import av
import numpy as np

from videoassist.errors import VideoError

# FFmpeg's name for its MP4/MOV demuxer, whose index (the file's sample tables) lists every frame.
MP4_FORMAT = "mov,mp4,m4a,3gp,3g2,mj2"
# AVIndexEntry flags (libavformat/avformat.h): decoding can start here; decoded but never shown (edit lists).
_INDEX_KEYFRAME, _INDEX_DISCARD = 0x1, 0x2


@dataclass(frozen=True)
class FrameTable:
    pts: np.ndarray  # int64 [n], ascending: frame i's presentation timestamp in `time_base` units
    keyframe: np.ndarray  # bool [n]: decoding can start at frame i
    time_base: Fraction
    end_pts: int  # when the last frame stops being shown
    # Whether some frames decoded after a keyframe are shown before it ("leading pictures" of an open GOP, e.g.
    # x265's default CRA keyframes): seeking to a keyframe then does not give its GOP's first frames.
    open_gop: bool = False
    # Whether decoded frames carry these pts, in increasing order; if not (H.264 with B-frames in AVI, where pts
    # are guesses), a frame can only be found by counting from the start. Set by probe, which decodes some.
    pts_in_order: bool = True

    @property
    def num_frames(self) -> int:
        return len(self.pts)

    @cached_property
    def times(self) -> np.ndarray:
        """Seconds from the first frame, float64 [n] (exact for any realistic time base)."""
        return (self.pts - self.pts[0]) * self.time_base.numerator / self.time_base.denominator

    @property
    def duration_s(self) -> float:
        return float((self.end_pts - int(self.pts[0])) * self.time_base)

    def starting_at(self, first_pts: int) -> FrameTable:
        """The table without the frames shown before `first_pts`: a stream cut in the middle of a GOP starts
        with frames whose references are gone, which the decoder never outputs (and decord miscounts)."""
        keep = self.pts >= first_pts
        return dataclasses.replace(self, pts=self.pts[keep], keyframe=self.keyframe[keep]) if not keep.all() else self

    @cached_property
    def _keyframe_indices(self) -> np.ndarray:
        return np.flatnonzero(self.keyframe)

    def keyframe_before(self, index: int) -> int:
        """The last keyframe at or before frame `index` (0 when none is flagged), where decoding must start."""
        position = int(np.searchsorted(self._keyframe_indices, index, side="right")) - 1
        return int(self._keyframe_indices[position]) if position >= 0 else 0


def scan(container: av.container.InputContainer, stream: av.VideoStream, path: str | PathLike[str]) -> FrameTable:
    """Demux every packet of `stream` from where `container` stands (open it fresh) and build the table."""
    pts: list[int] = []
    keyframe: list[bool] = []
    end_pts = None
    keyframe_pts, open_gop = None, False
    for packet in container.demux(stream):
        # Size-0 packets are the demuxer's end-of-stream marker; discarded ones (edit lists) are decoded but never
        # shown, so they are not frames.
        if packet.size == 0 or packet.is_discard:
            continue
        timestamp = packet.pts if packet.pts is not None else packet.dts
        if timestamp is None:
            raise VideoError(path, "has frames without timestamps (a raw stream?); remux it into MP4 or MKV first")
        pts.append(timestamp)
        keyframe.append(packet.is_keyframe)
        if packet.is_keyframe:
            keyframe_pts = timestamp
        elif keyframe_pts is not None and timestamp < keyframe_pts:
            open_gop = True
        stop = timestamp + (packet.duration or 0)
        end_pts = stop if end_pts is None else max(end_pts, stop)
    order = np.argsort(np.asarray(pts, dtype=np.int64), kind="stable")
    sorted_pts = np.asarray(pts, dtype=np.int64)[order]
    return FrameTable(
        pts=sorted_pts,
        keyframe=np.asarray(keyframe, dtype=bool)[order],
        time_base=stream.time_base or Fraction(1, 1),
        end_pts=_end(sorted_pts, end_pts),
        open_gop=open_gop,
    )


def from_index(container: av.container.InputContainer, stream: av.VideoStream, file_size: int) -> FrameTable | None:
    """The table from the container's own index, without reading a packet, where that index gives what scan()
    would: an MP4/MOV file (its sample tables list every frame; FFmpeg has applied the edit list) whose frames
    are shown in the order they are stored (the index holds decode times, equal to the pts only then) and whose
    index stays inside the file (a cut-off file goes to scan(), which says so). None otherwise. The caller must
    still check that decoded frames carry these times: a stream can reorder frames without declaring it."""
    if container.format.name != MP4_FORMAT or stream.codec_context.has_b_frames:
        return None
    entries = stream.index_entries
    if len(entries) == 0 or len(entries) != stream.frames:
        return None
    timestamp, flags, end_byte = np.array(
        [(entry.timestamp, entry.flags, entry.pos + entry.size) for entry in entries], dtype=np.int64
    ).T
    if end_byte.max() > file_size:
        return None
    shown = (flags & _INDEX_DISCARD) == 0
    pts = timestamp[shown]
    if pts.size == 0 or np.any(np.diff(pts) <= 0):
        return None
    stream_end = stream.start_time + stream.duration if stream.start_time is not None and stream.duration else None
    return FrameTable(
        pts=pts,
        keyframe=(flags[shown] & _INDEX_KEYFRAME) != 0,
        time_base=stream.time_base or Fraction(1, 1),
        end_pts=_end(pts, stream_end),
    )


def _end(sorted_pts: np.ndarray, end_pts: int | None) -> int:
    """When the last frame stops being shown; without a usable end from the container, it lasts as long as a
    typical frame."""
    if sorted_pts.size and (end_pts is None or end_pts <= sorted_pts[-1]):
        end_pts = int(sorted_pts[-1] + (np.median(np.diff(sorted_pts)) if sorted_pts.size > 1 else 0))
    return int(end_pts or 0)
