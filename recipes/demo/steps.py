"""The recipe's stages over one work folder: `python -m recipes.demo data|vision|check|align`.

    data    make the training world and the check world (data_tools' synthetic world), cache the training frames
    vision  stage 0: pre-train the vision tower with its probes (resumes from <work>/vision/checkpoint)
    check   score the tower's probes on the check world, decoded from MP4 (writes <work>/vision/check.json)
    align   stage 1: train the `objects` read-out of <work>/base (`python -m recipes.demo build`) on the cached
            train clips' ground truth; writes <work>/align (resumes from its checkpoint)

Everything lives under --work (default outputs/demo); the settings come from --config (configs/vision.yaml
beside this file), `--set train.steps=10` overrides one of them (the value is YAML).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from videoassist.checkpoints.atomic import open_atomic
from .settings import VisionSettings, load_settings

DEFAULT_CONFIG = Path(__file__).resolve().parent / "configs" / "vision.yaml"
STEPS = {
    "data": "make the synthetic worlds and cache the training frames",
    "vision": "stage 0: pre-train the vision tower with its probes (resumable)",
    "check": "score the stage-0 tower's probes on the held-out check world",
    "align": "stage 1: train the objects read-out of <work>/base on the ground truth (resumable)",
}


def register(subparsers) -> None:
    for name, summary in STEPS.items():
        parser = subparsers.add_parser(name, help=summary, description=summary)
        parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="the recipe's settings (YAML)")
        parser.add_argument("--work", type=Path, default=Path("outputs/demo"), help="the work folder")
        parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a setting")
        if name in ("vision", "check"):
            parser.add_argument("--run", type=Path, default=None, help="the stage-0 run folder (default <work>/vision)")
        if name == "check":
            parser.add_argument("--splits", default="train,val,test", help="splits of the check world to score")
        parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config, args.set)
    if args.command == "data":
        return step_data(settings, args.work)
    if args.command == "vision":
        return step_vision(settings, args.work, args.run)
    if args.command == "check":
        return step_check(settings, args.work, args.run, tuple(args.splits.split(",")))
    return step_align(settings, args.work)


def _paths(work: Path, run: Path | None = None) -> dict[str, Path]:
    return {"world_train": work / "world_train", "world_check": work / "world_check",
            "cache": work / "cache_train", "run": run or work / "vision"}


def _make_world(out: Path, n: int, seed: int, workers: int) -> None:
    from data_tools.synth.generate import SynthConfig, generate

    if (out / "manifest.json").is_file():
        print(f"{out}: already made")
        return
    # The synth command writes its JSON files at the end: an interrupted world is made again from the start.
    generate(SynthConfig(out=out, n=n, seed=seed, workers=workers, overwrite=True))


def step_data(settings: VisionSettings, work: Path) -> int:
    from .frame_cache import build_cache

    paths, data = _paths(work), settings.data
    _make_world(paths["world_train"], data.train_n, data.train_seed, data.workers)
    _make_world(paths["world_check"], data.check_n, data.check_seed, data.workers)
    written = build_cache(paths["world_train"], paths["cache"], settings.frames, splits=("train", "val"))
    print(f"{paths['cache']}: {written} clips cached now")
    return 0


def step_vision(settings: VisionSettings, work: Path, run: Path | None) -> int:
    from .pretrain import train_vision

    paths = _paths(work, run)
    done = train_vision(paths["world_train"], paths["cache"], paths["run"], settings)
    return 0 if done else 3


def step_check(settings: VisionSettings, work: Path, run: Path | None, splits: tuple[str, ...]) -> int:
    from .check import check_tower

    paths = _paths(work, run)
    result = paths["run"]
    report = {
        name: check_tower(result, paths["world_check"], group, settings.frames.num_frames)
        for name, group in (("held_out", splits), ("compositional", ("compositional",)))
    }
    output = result / "check.json"
    with open_atomic(output) as file:
        file.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    for name, part in report.items():
        print(f"== {name}: {part['clips']} clips, {part['frames']} frames")
        print("   frames: " + ", ".join(f"{k} {v}" for k, v in part["frame_metrics"].items()))
        for source in ("global_tokens", "cells"):
            print(f"   questions from {source}: " + ", ".join(
                f"{k} {v['accuracy']:.3f} (n={v['n']})" for k, v in part[f"questions_from_{source}"].items()
                if "/" not in k))
    print(f"wrote {output}")
    return 0


def step_align(settings: VisionSettings, work: Path) -> int:
    from .align import train_readout

    paths = _paths(work)
    train_readout(work / "base", paths["world_train"], paths["cache"], work / "align", settings.align)
    return 0
