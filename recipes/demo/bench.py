"""Time stage-0 training steps of candidate towers on one fixed synthetic batch (docs/BENCHMARKS.md).

    python -m recipes.demo bench --set tower.kind=resnet --set tower.kind=clip [--steps 4]

Each `--set` (KEY=VALUE pairs separated by ";", values YAML) is one candidate on top of the recipe's
configs/vision.yaml; the step is the real one (augmentation, tower, probes, losses, backward, AdamW) on random pixels.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from videoassist.cli import positive
from videoassist.models.videoassist.vision_tower import VisionTower
from .augment import augment
from .pretrain import make_optimizer, run_probes
from .probes import Probes, probe_losses
from .settings import load_settings
from .steps import DEFAULT_CONFIG
from .targets import cell_targets
from .tower import build_tower, image_processor


def time_steps(overrides: list[str], steps: int, config: Path) -> dict:
    settings = load_settings(config, overrides)
    model = build_tower(settings.tower, settings.frames)
    probes = Probes(settings.tower.feature_width)
    optimizer = make_optimizer(model, probes, settings)
    tower = VisionTower(model, settings.tower.select_layer, frozen=False).train()
    processor = image_processor(settings.frames)
    size, batch = settings.frames.image_size, settings.train.batch_size
    pixels = torch.rand(batch, 3, size, size)
    tables = torch.zeros(batch, 24, 5)
    tables[:, :3, 0] = 1
    tables[:, :3, 1:3] = 0.2 + 0.6 * torch.rand(batch, 3, 2)
    tables[:, :3, 3:] = 0.05
    generator = torch.Generator().manual_seed(0)
    walls, cpus = [], []
    for _ in range(steps):
        tick, cpu = time.perf_counter(), time.process_time()
        moved, moved_tables = augment(pixels, tables, settings.augment, generator)
        out = run_probes(tower, probes, moved, processor)
        loss = probe_losses(out, cell_targets(moved_tables, settings.tower.grid(size)), moved_tables, settings.loss)
        optimizer.zero_grad()
        loss["total"].backward()
        optimizer.step()
        walls.append(round(time.perf_counter() - tick, 3))
        cpus.append(round(time.process_time() - cpu, 3))
    return {"overrides": overrides, "parameters": sum(p.numel() for p in model.parameters()),
            "wall_s": walls, "cpu_s": cpus}


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="time stage-0 steps of candidate towers",
                                   description=__doc__.split("\n")[0])
    parser.add_argument("--set", action="append", default=[], help="one candidate: KEY=VALUE[;KEY=VALUE...]")
    parser.add_argument("--steps", type=positive(int), default=4)
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for candidate in args.set or [""]:
        overrides = [item for item in candidate.split(";") if item]
        print(json.dumps(time_steps(overrides, args.steps, args.config)), flush=True)
    return 0
