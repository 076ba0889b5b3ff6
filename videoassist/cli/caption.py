"""`videoassist caption INPUT... --output FILE`: caption many videos, resumable, one record per video."""

from __future__ import annotations

import sys
from pathlib import Path

from videoassist.captioning.engines import ENGINES, EngineOptions, ModelChoice, open_engine
from videoassist.captioning.settings import DEFAULT_PROMPT, OUTPUT_FORMATS, SUBTITLE_FORMATS, CaptionSettings
from videoassist.cli._common import add_model_arguments, positive


def register(subparsers):
    parser = subparsers.add_parser(
        "caption",
        help="caption many videos into jsonl, csv, parquet, srt or vtt",
        description="Caption videos and images: files, folders (recursive), glob patterns, or @LIST files "
        "(one path per line). Each result is saved as soon as it is ready; --resume continues an interrupted run.",
    )
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="file, folder, glob pattern or @list.txt")
    parser.add_argument("--list", action="append", default=[], metavar="FILE", help="a file of paths, one a line")
    parser.add_argument("--output", "-o", required=True,
                        help="jsonl/csv file; parquet: a folder of Parquet shards (large runs); srt/vtt: a folder (one "
                        "subtitle file per video) or one .srt/.vtt file")
    parser.add_argument("--format", choices=OUTPUT_FORMATS, help="default: from the --output suffix, else jsonl")
    add_model_arguments(parser)
    parser.add_argument("--prompt", default=DEFAULT_PROMPT, help=f"the instruction (default: {DEFAULT_PROMPT!r})")
    parser.add_argument("--segment-seconds", type=positive(float), metavar="S",
                        help="srt/vtt: one caption per S seconds (default: one for the whole video)")
    sampling = parser.add_mutually_exclusive_group()
    sampling.add_argument("--frames", type=positive(int), metavar="N", help="N frames per video (or per segment)")
    sampling.add_argument("--fps", type=positive(float), metavar="F", help="F frames per second")
    parser.add_argument("--max-frames", type=positive(int), help="cap on the frames per video (or per segment)")
    parser.add_argument("--max-new-tokens", type=positive(int), default=128)
    parser.add_argument("--temperature", type=float, default=0.0, help="0: greedy")
    again = parser.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="skip the videos already in the output")
    again.add_argument("--overwrite", action="store_true", help="replace an existing output")
    parser.add_argument("--strict", action="store_true", help="exit 1 when any video fails (default: only when all do)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    engine = parser.add_argument_group("engine", "where the model runs (docs/SCALING.md)")
    engine.add_argument("--engine", choices=list(ENGINES), default="local",
                        help="local: this process; ray: a Ray Data pipeline, on this machine or --ray-address")
    engine.add_argument("--ray-address", metavar="ADDR",
                        help="a running Ray cluster (HOST:PORT or ray://HOST:PORT; default: a local instance)")
    engine.add_argument("--workers", type=positive(int), metavar="N",
                        help="ray: model actors (default: one per GPU share, else one per 2 CPUs)")
    engine.add_argument("--num-gpus-per-worker", type=positive(float), metavar="G",
                        help="ray: GPUs each model actor holds, e.g. 1 or 0.5 (default: none, CPU)")
    parser.set_defaults(func=run, parser=parser)


def output_format(args) -> str:
    if args.format:
        return args.format
    suffix = Path(args.output).suffix.lower().lstrip(".")
    return suffix if suffix in OUTPUT_FORMATS else "jsonl"


def run(args) -> int:
    fmt = output_format(args)
    if args.segment_seconds is not None and fmt not in SUBTITLE_FORMATS:
        args.parser.error("--segment-seconds needs --format srt or vtt")
    if not args.inputs and not args.list:
        args.parser.error("give at least one INPUT or --list FILE")
    ray_options = [name for name in ("ray_address", "workers", "num_gpus_per_worker") if getattr(args, name)]
    if ray_options and args.engine != "ray":
        args.parser.error(f"--{ray_options[0].replace('_', '-')} needs --engine ray")

    from videoassist.captioning.batch import run_batch
    from videoassist.captioning.inputs import expand_inputs
    from videoassist.captioning.writers import NEW, OVERWRITE, RESUME, open_results
    from videoassist.errors import DataError

    videos = expand_inputs(args.inputs, args.list)
    if not videos:
        raise DataError(" ".join(args.inputs + args.list), "no video or image files found")
    mode = RESUME if args.resume else OVERWRITE if args.overwrite else NEW
    settings = CaptionSettings(
        prompt=args.prompt,
        segment_seconds=args.segment_seconds,
        num_frames=args.frames,
        fps=args.fps,
        max_frames=args.max_frames,
        max_new_tokens=args.max_new_tokens,
        temperature=args.temperature,
    )
    with open_results(args.output, fmt, videos, mode) as results:  # before loading the model: fail fast
        model = ModelChoice(args.model, args.device, args.precision)
        options = EngineOptions(args.ray_address, args.workers, args.num_gpus_per_worker or 0.0)
        with open_engine(args.engine, model, settings, options) as captioner:
            summary = run_batch(captioner.run, videos, results, progress=not args.no_progress)
    print(f"caption: {summary.line()} → {args.output}")
    return summary.exit_code(args.strict)
