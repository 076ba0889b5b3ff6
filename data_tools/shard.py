"""`python -m data_tools shard FILE.json --out SHARD_DIR`: a Valley/LLaVA JSON and its videos → WebDataset shards.

Writes `shard-000000.tar`, `shard-000001.tar`, … (at most --max-count samples each; every sample is the record as
`.json` plus the video file's bytes, `.mp4` for MP4) and `index.json` with the counts. Train on them with
`DataSpec(path=SHARD_DIR, format="shards")`; give at least (ranks × DataLoader workers) shards. A video that is
missing or does not probe is reported on stderr (one line each) and skipped. An interrupted run leaves only
complete shards; `--resume` goes on from there.
Exit status: 0 when every record was written, 1 when any was skipped (the shards are written all the same).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from contextlib import nullcontext
from pathlib import Path

from videoassist.cli import positive


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "shard", help="write WebDataset shards (video bytes + record JSON) for streaming training data",
        description=__doc__.split("\n", 2)[2], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("json", type=Path, help="Valley / LLaVA JSON or JSONL file")
    parser.add_argument("--video-root", type=Path, default=None, help="folder the video paths are relative to "
                        "(default: the JSON file's folder)")
    parser.add_argument("--out", type=Path, required=True, help="folder for the shards (empty or new)")
    parser.add_argument("--max-count", type=positive(int), default=1000, help="samples per shard (default 1000)")
    parser.add_argument("--resume", action="store_true", help="keep the complete shards in --out and go on after "
                        "their last record (after an interrupted run)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--engine", choices=list(ENGINES), default="local",
                        help="local: this process; ray: the videos read in Ray tasks (docs/SCALING.md)")
    parser.add_argument("--ray-address", metavar="ADDR", help="a running Ray cluster (default: a local instance)")
    parser.set_defaults(func=run, parser=parser)


def local_mapper(address: str | None = None):
    """This process: the built-in `map`."""
    return nullcontext(map)


# Where the per-record work runs: name → a context manager (taking the Ray address) that gives write_shards' mapper.
ENGINES = {"local": "data_tools.shard:local_mapper", "ray": "data_tools.ray_shards:ray_mapper"}


def run(args: argparse.Namespace) -> int:
    from videoassist.data import write_shards

    def report_skip(sample_id: str, video: str, problem: str) -> None:
        print(f"shard: skipped {video}: {problem} (record {sample_id})", file=sys.stderr)

    if args.ray_address and args.engine != "ray":
        args.parser.error("--ray-address needs --engine ray")
    module, function = ENGINES[args.engine].split(":")
    with getattr(importlib.import_module(module), function)(args.ray_address) as mapper:
        report = write_shards(args.json, args.video_root, args.out, args.max_count, on_skip=report_skip,
                              progress=not args.quiet, resume=args.resume, mapper=mapper)
    print(f"wrote {report.written} samples in {len(report.shards)} shards to {args.out}"
          + (f"; skipped {len(report.skipped)}" if report.skipped else ""))
    return 1 if report.skipped else 0
