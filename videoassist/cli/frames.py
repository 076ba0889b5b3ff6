"""`videoassist frames VIDEO --out DIR`: sample frames into JPEG files plus frames.json, to see what a model sees."""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from videoassist.cli._common import positive
from videoassist.errors import VideoAssistError

DEFAULT_FRAMES = 8
# Equal to videoassist.video.BACKENDS (a test checks): importing that package here would load PyAV and numpy on
# every `videoassist` start.
BACKEND_CHOICES = ("auto", "decord", "pyav")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "frames",
        help="sample frames of a video into JPEG files and frames.json",
        description="Sample frames of a video (or image) as the model would, and write them as JPEG files "
        "with a frames.json that gives their indices and timestamps.",
    )
    parser.add_argument("video", help="video or image file")
    how_many = parser.add_mutually_exclusive_group()
    how_many.add_argument(
        "--frames", type=positive(int), metavar="N", help=f"N evenly spaced frames (default {DEFAULT_FRAMES})"
    )
    how_many.add_argument("--fps", type=positive(float), metavar="F", help="F frames per second of video")
    parser.add_argument("--max-frames", type=positive(int), metavar="M", help="at most M frames (re-spaced evenly)")
    parser.add_argument("--backend", choices=BACKEND_CHOICES, default="auto", help="decoder (default: auto)")
    parser.add_argument("--max-duration", type=positive(float), metavar="S", help="refuse videos longer than S s")
    parser.add_argument("--max-size-mb", type=positive(float), metavar="MB", help="refuse files over MB megabytes")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the JPEGs and frames.json")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from PIL import Image

    from videoassist.video import VideoLimits, sample_frames

    limits = VideoLimits(
        max_duration_s=args.max_duration,
        max_bytes=None if args.max_size_mb is None else int(args.max_size_mb * 1_000_000),
    )
    num_frames = DEFAULT_FRAMES if args.frames is None and args.fps is None else args.frames
    clip = sample_frames(
        args.video, num_frames=num_frames, fps=args.fps, max_frames=args.max_frames, backend=args.backend, limits=limits
    )
    files = [f"frame_{k:04d}.jpg" for k in range(len(clip.frames))]
    record = {
        "source": args.video,
        "backend": clip.backend,
        "num_frames": len(files),
        "timestamps": clip.timestamps,
        "indices": clip.indices,
        "video": dataclasses.asdict(clip.info),
        "files": files,
    }
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        for stale in set(args.out.glob("frame_[0-9][0-9][0-9][0-9].jpg")) - {args.out / name for name in files}:
            stale.unlink()  # an earlier run's extra frames would pass for this run's
        for name, frame in zip(files, clip.frames):
            Image.fromarray(frame).save(args.out / name, quality=95)
        (args.out / "frames.json").write_text(json.dumps(record, indent=2) + "\n")
    except OSError as error:
        raise VideoAssistError(f"{args.out}: cannot write the frames ({error.strerror or error})") from error
    info = clip.info
    print(
        f"{len(files)} frame{'' if len(files) == 1 else 's'} from {args.video} ({info.width}x{info.height}, "
        f"{info.duration_s:.1f} s, {info.codec}, {clip.backend}) -> {args.out}"
    )
    return 0
