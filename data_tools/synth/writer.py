"""Write RGB frames to an H.264 MP4 with PyAV (no ffmpeg binary needed).

yuv420p, the pixel format every player and decoder reads (the default), needs even width and height; yuv444p
keeps full-resolution colour (x264's High 4:4:4 profile). x264 runs on one
thread: with several threads its rate control depends on timing, and the same frames would give different
bytes. Macroblock-tree rate control is off: even on one thread it made the bytes of a clip depend on what the
process had encoded before (measured with PyAV 18 / x264 core 165), which broke same-seed-same-bytes across
worker counts. With both, the same frames and settings give the same file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from videoassist.checkpoints.atomic import atomic_write


@dataclass(frozen=True)
class EncoderSettings:
    crf: int = 20              # x264 quality: lower is better and larger; 20 keeps 1-2 px edges clean
    preset: str = "medium"
    pix_fmt: str = "yuv420p"   # or yuv444p

    def __post_init__(self) -> None:
        if self.pix_fmt not in ("yuv420p", "yuv444p"):
            raise ValueError(f"pix_fmt must be yuv420p or yuv444p, got {self.pix_fmt!r}")


def write_mp4(path: str | Path, frames: Iterable[np.ndarray], fps: int,
              settings: EncoderSettings = EncoderSettings()) -> None:
    """Encode `frames` ((H, W, 3) uint8 RGB, all the same even size) at `fps` into `path`.

    The file appears only when complete (written beside it, then renamed), so an interrupted run never leaves
    a truncated clip that looks finished."""
    with atomic_write(path) as partial, av.open(str(partial), mode="w", format="mp4") as container:
        stream = None
        for frame in frames:
            if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
                raise ValueError(f"frames must be (H, W, 3) uint8, got {frame.shape} {frame.dtype}")
            if stream is None:
                height, width = frame.shape[:2]
                if settings.pix_fmt == "yuv420p" and (width % 2 or height % 2):
                    raise ValueError(f"yuv420p needs even dimensions, got {width}x{height}")
                stream = container.add_stream("libx264", rate=fps, options={
                    "crf": str(settings.crf), "preset": settings.preset, "threads": "1", "x264-params": "mbtree=0"})
                stream.width, stream.height, stream.pix_fmt = width, height, settings.pix_fmt
                stream.codec_context.thread_count = 1
            elif frame.shape[:2] != (stream.height, stream.width):
                raise ValueError(f"frame size changed from {stream.width}x{stream.height} to "
                                 f"{frame.shape[1]}x{frame.shape[0]}")
            container.mux(stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")))
        if stream is None:
            raise ValueError("no frames to write")
        container.mux(stream.encode(None))
