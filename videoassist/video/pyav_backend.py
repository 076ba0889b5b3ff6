"""PyAV backend: decode exactly the requested frames by seeking, never the whole file.

For each wanted frame (in presentation order) the decoder either goes on from where it is, when no keyframe lies
between there and the target, or seeks to the keyframe at or before the target and decodes forward until the
frame whose pts is the target's; on the way, non-reference frames (most B-frames) are not decoded at all. Matching by pts (from the frame table) rather than by counting frames keeps it
exact through B-frames, variable frame rate and seeks that land early. A seek that lands late (MPEG-TS lands a
whole GOP late; MP4 indexes by decode time) is retried from earlier keyframes, and finally from the start.

Targets that need separate seeks are independent work: they are split between one decoder per core, each in a
thread (PyAV decodes without the GIL). Targets that one decoder reaches by going on stay together.

A file whose decoded frames do not carry usable pts (H.264 with B-frames in AVI; see FrameTable.pts_in_order)
cannot be searched by pts: it is decoded from the start, counting frames, up to the last target.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from os import PathLike

import av
import numpy as np

from videoassist.errors import VideoError
from videoassist.video.failures import ffmpeg_session
from videoassist.video.timeline import FrameTable

# FFmpeg's own decoder threads (frame + slice) for a lone decoder; one thread per decoder when several run side
# by side, one per core (measured in docs/BENCHMARKS.md).
LONE_THREAD_TYPE = "AUTO"
PARALLEL_THREAD_TYPE = "NONE"


def decode_frames(
    path: str | PathLike[str], table: FrameTable, stream_index: int, indices: Sequence[int]
) -> dict[int, np.ndarray]:
    """RGB frames `{index: [H, W, 3] uint8}` as stored (not rotated), for the distinct `indices`."""
    if not table.pts_in_order:
        return _decode_counting(path, stream_index, sorted(set(indices)))
    runs = _seek_runs(table, sorted(set(indices)))
    workers = min(len(runs), _usable_cores())
    if workers <= 1:
        return _decode(path, table, stream_index, [i for run in runs for i in run], LONE_THREAD_TYPE)
    # Contiguous shares of about equal numbers of runs (a run costs about one GOP of decoding).
    shares = [runs[k * len(runs) // workers : (k + 1) * len(runs) // workers] for k in range(workers)]

    def decode_share(share: list[list[int]]) -> dict[int, np.ndarray]:
        return _decode(path, table, stream_index, [i for run in share for i in run], PARALLEL_THREAD_TYPE)

    frames: dict[int, np.ndarray] = {}
    with ThreadPoolExecutor(workers) as pool:
        for part in pool.map(decode_share, shares):
            frames.update(part)
    return frames


def _usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _seek_runs(table: FrameTable, wanted: list[int]) -> list[list[int]]:
    """`wanted` (ascending) cut where reaching the next target takes a seek: a keyframe lies in between."""
    runs = [[wanted[0]]] if wanted else []
    for index in wanted[1:]:
        if table.keyframe_before(index) > runs[-1][-1]:
            runs.append([index])
        else:
            runs[-1].append(index)
    return runs


def _decode(
    path: str | PathLike[str], table: FrameTable, stream_index: int, wanted: list[int], thread_type: str
) -> dict[int, np.ndarray]:
    with ffmpeg_session(path, "cannot be decoded"):
        with av.open(os.fspath(path), metadata_errors="replace") as container:
            stream = container.streams[stream_index]
            stream.thread_type = thread_type
            decoder = _SeekingDecoder(container, stream, table, wanted)
            frames = {}
            try:
                for index in wanted:
                    frame = decoder.frame_at(index)
                    if frame is None:
                        raise VideoError(path, f"frame {index} could not be decoded")
                    frames[index] = _rgb(frame, stream)
            finally:
                decoder.close()
            return frames


def _decode_counting(path: str | PathLike[str], stream_index: int, wanted: list[int]) -> dict[int, np.ndarray]:
    with ffmpeg_session(path, "cannot be decoded"):
        with av.open(os.fspath(path), metadata_errors="replace") as container:
            stream = container.streams[stream_index]
            stream.thread_type = LONE_THREAD_TYPE
            targets, frames = set(wanted), {}
            for number, frame in enumerate(container.decode(stream)):
                if number in targets:
                    frames[number] = _rgb(frame, stream)
                    if len(frames) == len(targets):
                        return frames
    raise VideoError(path, f"frame {max(targets - frames.keys())} could not be decoded")


def _rgb(frame: av.VideoFrame, stream: av.VideoStream) -> np.ndarray:
    # At the stream's size: a mid-stream resolution change must not break stacking the clip.
    return frame.to_ndarray(format="rgb24", width=stream.width, height=stream.height)


class _SeekingDecoder:
    def __init__(
        self, container: av.container.InputContainer, stream: av.VideoStream, table: FrameTable, wanted: list[int]
    ):
        self._container = container
        self._stream = stream
        self._table = table
        self._wanted_pts = {int(table.pts[index]) for index in wanted}
        self._frames: Iterator[av.VideoFrame] | None = None
        self._position = -1  # index of the last frame the decoder returned; -1 before the first seek

    def frame_at(self, index: int) -> av.VideoFrame | None:
        """The decoded frame `index`; None if it cannot be reached. Call with ascending indices."""
        keyframe = self._table.keyframe_before(index)
        if self._frames is not None and self._position < index and keyframe <= self._position:
            frame = self._decode_to(index)  # no keyframe in between: going on beats seeking
            if frame is not None:
                return frame
        # Where to seek, nearest first: the keyframe, the two keyframes before it, then the start of the file.
        starts = [keyframe]
        for _ in range(2):
            if starts[-1] > 0:
                starts.append(self._table.keyframe_before(starts[-1] - 1))
        for start in [*dict.fromkeys(starts), None]:
            if self._seek(start):
                frame = self._decode_to(index)
                if frame is not None:
                    return frame
        return None

    def close(self) -> None:
        """Free the decoding state now. Left to the garbage collector (the running generator refers back to the
        decoder), FFmpeg objects with threads of their own could outlive this call and be freed in a forked
        child (a DataLoader worker), where their threads do not exist: freeing them there hangs."""
        if self._frames is not None:
            self._frames.close()
            self._frames = None

    def _seek(self, index: int | None) -> bool:
        """Seek to the keyframe at frame `index`, or rewind to the start for None; False if the demuxer refused."""
        try:
            if index is None:
                self._container.seek(0)  # in AV_TIME_BASE units, no stream: every demuxer tried rewinds here
            else:
                self._container.seek(int(self._table.pts[index]), stream=self._stream, backward=True)
        except av.FFmpegError:
            if index is None:
                raise
            return False
        self._frames = self._decoded()
        self._position = -1
        return True

    def _decoded(self) -> Iterator[av.VideoFrame]:
        """The frames from here on, except unwanted non-reference frames, which are not decoded at all: no other
        frame depends on them, so skipping one changes nothing else (they are a third to a half of typical H.264
        with B-frames). FFmpeg's frame threads take the setting with each packet."""
        context = self._stream.codec_context
        for packet in self._container.demux(self._stream):
            context.skip_frame = "DEFAULT" if packet.pts is None or packet.pts in self._wanted_pts else "NONREF"
            yield from self._stream.decode(packet)

    def _decode_to(self, index: int) -> av.VideoFrame | None:
        """Decode forward to the frame with the target's pts; None if the decoder is already past it."""
        assert self._frames is not None
        target = int(self._table.pts[index])
        for frame in self._frames:
            if frame.pts is None:
                continue
            if frame.pts > target:  # landed or ran past the target: the caller seeks further back
                self._frames = None
                return None
            self._position = int(np.searchsorted(self._table.pts, frame.pts))
            if frame.pts == target:
                return frame
        self._frames = None
        return None
