"""probe(): what a file is, found cheaply and checked before anything decodes it.

Order matters: plain file checks, then PyAV reads the header, then the frame table, then the first frames are
decoded. The table comes from a packet scan, which also catches damaged and truncated files (FFmpeg logs what it
trips on), or, for an MP4 whose index can stand in for the scan (timeline.from_index), from that index: reading
a long file end to end would cost more than sampling it (0.7 s of the 1-hour file's 2.4 s, docs/BENCHMARKS.md).
Such a file's damage is then caught where decoding meets it. decord can crash or hang on bad input, so a file is
always scanned before decord sees it (`read_packets=True`).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from os import PathLike

import av
import numpy as np
from av.stream import Disposition

from videoassist.errors import VideoError
from videoassist.video import rotation as rot
from videoassist.video.failures import LogLine, error_lines, ffmpeg_session
from videoassist.video.image import is_image_path, read_image
from videoassist.video.info import VideoInfo, VideoLimits
from videoassist.video.timeline import FrameTable, from_index, scan


# Frames decoded to check that pts come out increasing: more than any B-frame reordering window.
_ORDER_CHECK_FRAMES = 16


@dataclass(frozen=True)
class Inspection:
    """A probed file: its VideoInfo; for a video the frame table and the stream read, for an image its pixels."""

    info: VideoInfo
    table: FrameTable | None = None
    stream_index: int = 0
    container_format: str = ""  # FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    image: np.ndarray | None = None  # [1, H, W, 3], upright


def probe(path: str | PathLike[str], limits: VideoLimits | None = None) -> VideoInfo:
    """Facts about a video or image file; raises VideoError (one line, naming the file) for any unusable file."""
    return inspect_file(path, limits).info


def inspect_file(
    path: str | PathLike[str], limits: VideoLimits | None = None, read_packets: bool = False
) -> Inspection:
    """probe() plus what decoding needs: the frame table, the stream, the container type (or the image).
    `read_packets` scans the file even where its index would do, which checks all of it for damage."""
    limits = limits or VideoLimits()
    size = _check_file(path, limits)
    if is_image_path(path):
        info, pixels = read_image(path)
        return Inspection(info, image=pixels)
    with ffmpeg_session(path, "cannot be read as a video") as logs:
        # metadata_errors="replace": a tag that is not valid UTF-8 must not make the file unreadable.
        with av.open(os.fspath(path), metadata_errors="replace") as container:
            stream = _video_stream(container, path)
            if container.duration is not None:  # the header's claim: refuse a 10-hour file before scanning it
                _check_duration(path, container.duration / av.time_base, limits)
            indexed = None if read_packets else from_index(container, stream, size)
            table = indexed or _scan(container, stream, path, logs)
            codec, coded_width, coded_height = stream.codec_context.name, stream.width, stream.height
            rate = stream.average_rate or stream.guessed_rate
            # The classic tag, as MKV keeps it ("ROTATE"); FFmpeg's MP4 reader turns it into a display matrix.
            rotate_tag = next((value for key, value in stream.metadata.items() if key.lower() == "rotate"), None)
            stream_index = stream.index
            container_format = container.format.name
        rotation, shown = _first_frames(path, stream_index, rotate_tag)
        if table is indexed and not _lists(table, shown):  # frames shifted, reordered or cut off: read the packets
            with av.open(os.fspath(path), metadata_errors="replace") as container:
                table = _scan(container, container.streams[stream_index], path, logs)
    pts_in_order = all(a < b for a, b in zip(shown, shown[1:]))
    table = dataclasses.replace(table.starting_at(shown[0]), pts_in_order=pts_in_order)
    _check_duration(path, table.duration_s, limits)
    width, height = rot.displayed_size(coded_width, coded_height, rotation)
    if rate:
        fps = float(rate)
    else:  # no rate in the header: the mean over the frames found
        fps = table.num_frames / table.duration_s if table.duration_s > 0 else 0.0
    info = VideoInfo(
        path=os.fspath(path),
        duration_s=table.duration_s,
        fps=fps,
        num_frames=table.num_frames,
        width=width,
        height=height,
        rotation=rotation,
        is_image=False,
        codec=codec,
    )
    return Inspection(info, table, stream_index, container_format)


def _scan(
    container: av.container.InputContainer, stream: av.VideoStream, path: str | PathLike[str], logs: list[LogLine]
) -> FrameTable:
    """scan(), and what reading every packet tells: damage, truncation, no frames at all."""
    table = scan(container, stream, path)
    damage = error_lines(logs)
    if damage:
        raise VideoError(path, f"is damaged or truncated ({damage[0]})")
    if table.num_frames == 0:
        raise VideoError(path, "contains no video frames")
    if stream.frames and table.num_frames < stream.frames:
        raise VideoError(path, f"is truncated: its header lists {stream.frames} frames, {table.num_frames} are present")
    return table


def _lists(table: FrameTable, shown: list[int]) -> bool:
    """Whether the frames the decoder output first (`shown`, their pts) are the table's first frames. (A file whose
    first frames cannot be decoded, cut mid-GOP, fails this too, and is scanned.)"""
    return np.array_equal(table.pts[: len(shown)], shown)


def _check_file(path: str | PathLike[str], limits: VideoLimits) -> int:
    """The file's size in bytes, once it is known to be a non-empty file within the size limit."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        raise VideoError(path, "no such file") from None
    except OSError as error:
        raise VideoError(path, f"cannot be read ({error.strerror})") from None
    if not os.path.isfile(path):
        raise VideoError(path, "is not a file")
    if stat.st_size == 0:
        raise VideoError(path, "is empty (0 bytes)")
    if limits.max_bytes is not None and stat.st_size > limits.max_bytes:
        raise VideoError(path, f"is {_size(stat.st_size)}, over the limit of {_size(limits.max_bytes)}")
    return stat.st_size


def _size(num_bytes: int) -> str:
    return f"{num_bytes / 1e6:.1f} MB" if num_bytes >= 1_000_000 else f"{num_bytes:,} bytes"


def _check_duration(path: str | PathLike[str], duration_s: float, limits: VideoLimits) -> None:
    if limits.max_duration_s is not None and duration_s > limits.max_duration_s:
        raise VideoError(path, f"lasts {duration_s:.1f} s, over the {limits.max_duration_s:.1f} s limit")


def _video_stream(container: av.container.InputContainer, path: str | PathLike[str]) -> av.VideoStream:
    # An audio file's cover art is a one-picture "video" stream flagged attached_pic: not a video.
    streams = [s for s in container.streams.video if not s.disposition & Disposition.attached_pic]
    if streams:
        return streams[0]
    if container.streams.audio:
        raise VideoError(path, "has no video stream (audio only)")
    raise VideoError(path, "has no video stream")


def _first_frames(path: str | PathLike[str], stream_index: int, rotate_tag: str | None) -> tuple[int, list[int]]:
    """(rotation, pts) of the first frames the decoder outputs. They tell: the rotation
    (FFmpeg puts the display matrix on decoded frames; PyAV shows no stream-level side data, so an old-style
    `rotate` tag is the fallback); where the decodable frames start; that the file decodes at all; and whether
    decoded frames carry increasing pts. AVI has no presentation times: with B-frames (H.264 in AVI) FFmpeg's
    guessed pts come out shuffled, and frames can only be found by counting."""
    rotation, pts = 0, []
    with av.open(os.fspath(path), metadata_errors="replace") as container:
        for frame in container.decode(container.streams[stream_index]):
            if frame.pts is None:
                continue
            if not pts:
                rotation = rot.from_display_angle(frame.rotation) if frame.rotation else rot.from_rotate_tag(rotate_tag)
            pts.append(frame.pts)
            if len(pts) == _ORDER_CHECK_FRAMES:
                break
    if not pts:
        raise VideoError(path, "has no decodable video frames")
    return rotation, pts
