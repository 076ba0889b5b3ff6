"""`python -m data_tools validate FILE.json`: probe every video a Valley/LLaVA JSON names, before training on it.

Each distinct video is probed once (videoassist.video.probe: header, packet scan, first frame) and sorted into
missing, corrupt (does not probe) or too short (`--min-frames`, `--min-seconds`; images are exempt). Prints a
summary with counts per problem and the first examples; `--report` gets one JSON line per bad video as it is
found. Exit status: 0 when every video is usable, 1 when any is not (or the JSON itself is malformed).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from multiprocessing import Pool
from pathlib import Path

EXAMPLES_SHOWN = 3


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "validate", help="find missing, corrupt and too-short videos in a Valley/LLaVA JSON",
        description=__doc__.split("\n", 2)[2], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("json", type=Path, help="Valley / LLaVA JSON or JSONL file")
    parser.add_argument("--video-root", type=Path, default=None, help="folder the video paths are relative to "
                        "(default: the JSON file's folder)")
    parser.add_argument("--min-frames", type=int, default=None, help="flag videos with fewer frames")
    parser.add_argument("--min-seconds", type=float, default=None, help="flag videos shorter than this")
    parser.add_argument("--report", type=Path, default=None, help="write one JSON line per bad video here")
    parser.add_argument("--workers", type=int, default=1, help="processes probing videos (default 1)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def check_video(job: tuple[str, int | None, float | None]) -> tuple[str, str, str] | None:
    """(video, problem, detail) for an unusable video, None for a good one. Problem: missing|corrupt|too short."""
    from videoassist.errors import VideoError
    from videoassist.video import probe

    video, min_frames, min_seconds = job
    if not Path(video).exists():
        return video, "missing", "no such file"
    try:
        info = probe(video)
    except VideoError as error:
        return video, "corrupt", error.problem
    if info.is_image:
        return None
    if min_frames is not None and info.num_frames < min_frames:
        return video, "too short", f"{info.num_frames} frames, fewer than {min_frames}"
    if min_seconds is not None and info.duration_s < min_seconds:
        return video, "too short", f"lasts {info.duration_s:.2f} s, less than {min_seconds:g} s"
    return None


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from videoassist.data import read_records

    samples = read_records(args.json, args.video_root)
    records_of: dict[str, list[str]] = defaultdict(list)
    for sample in samples:
        if sample.video is not None:
            records_of[str(sample.video)].append(sample.id)
    jobs = [(video, args.min_frames, args.min_seconds) for video in records_of]
    problems: dict[str, list[tuple[str, str]]] = defaultdict(list)
    report = open(args.report, "w", encoding="utf-8") if args.report else None
    pool = Pool(args.workers) if args.workers > 1 else None
    try:
        results = pool.imap(check_video, jobs, chunksize=4) if pool else map(check_video, jobs)
        for result in tqdm(results, total=len(jobs), desc="probing", unit="video", disable=args.quiet):
            if result is None:
                continue
            video, problem, detail = result
            problems[problem].append((video, detail))
            if report:
                line = {"video": video, "ids": records_of[video], "problem": problem, "detail": detail}
                report.write(json.dumps(line, ensure_ascii=False) + "\n")
                report.flush()
    finally:
        if pool:
            pool.close()
        if report:
            report.close()
    print(f"{args.json}: {len(samples)} records, {len(jobs)} distinct videos checked")
    if not problems:
        print("all videos are usable")
        return 0
    for problem, found in sorted(problems.items()):
        records = sum(len(records_of[video]) for video, _ in found)
        print(f"{problem}: {len(found)} video{'s' if len(found) != 1 else ''} ({records} records)")
        for video, detail in found[:EXAMPLES_SHOWN]:
            print(f"  {video}: {detail}")
        if len(found) > EXAMPLES_SHOWN:
            print(f"  … and {len(found) - EXAMPLES_SHOWN} more" + (f" (see {args.report})" if args.report else ""))
    return 1
