"""Check a stage-0 tower on its own, on clips it never saw, decoded from their MP4 files as inference does.

Frame level (every sampled frame): the probes against the exact ground truth (probes.frame_metrics).
Clip level: every question of the world's eval files answered from the probes alone (scene.answer) and scored
with the world's scorer, by question type and language: the ceiling an LLM reading these features can reach.
Twice: from the global-token probes (what the per-frame global tokens carry) and from the cell probes (what a
per-frame patch grid carries).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from tqdm import tqdm

from data_tools.synth.scoring import score_answer
from data_tools.synth.world import Clip
from videoassist.errors import DataError, ModelError
from videoassist.models.videoassist import VideoAssistVideoProcessor
from videoassist.models.videoassist.base_models import load_vision_model
from videoassist.models.videoassist.vision_tower import VisionTower
from videoassist.video import sample_frames
from .frame_cache import ground_truth
from .probes import ProbeOutputs, Probes, frame_metrics
from .scene import ClipScene, answer, scene_from_cells
from .settings import load_settings
from .targets import cell_targets, pair_tables


@dataclass
class TrainedTower:
    tower: VisionTower
    probes: Probes
    processor: VideoAssistVideoProcessor
    grid: int

    @classmethod
    def load(cls, folder: Path) -> "TrainedTower":
        """A stage-0 result folder: tower/, probes.safetensors and the settings.yaml that made them."""
        folder = Path(folder)
        tower = load_settings(folder / "settings.yaml").tower
        try:
            model = load_vision_model(str(folder / "tower"))
            processor = VideoAssistVideoProcessor.from_pretrained(folder / "tower")  # as inference preprocesses
            probes = Probes(tower.feature_width)
            probes.load_state_dict(load_file(str(folder / "probes.safetensors")))
        except (OSError, ValueError, RuntimeError) as error:
            raise ModelError(f"{folder}: not a stage-0 result (tower/ and probes.safetensors): {error}") from error
        return cls(VisionTower(model, tower.select_layer, frozen=True).eval(), probes.eval(), processor,
                   tower.grid(processor.size.height))

    @torch.no_grad()
    def probe(self, frames: np.ndarray) -> ProbeOutputs:
        """RGB uint8 frames [T, H, W, 3] of any size → probe outputs, through the inference preprocessing."""
        features = self.tower(self.processor(frames)["pixel_values_videos"])
        return self.probes(features.global_tokens, features.patch_tokens)


@dataclass
class Tally:
    right: dict = field(default_factory=lambda: defaultdict(int))
    total: dict = field(default_factory=lambda: defaultdict(int))

    def add(self, keys: tuple[str, ...], ok: bool) -> None:
        for key in keys:
            self.right[key] += ok
            self.total[key] += 1

    def accuracy(self) -> dict[str, dict]:
        return {k: {"accuracy": round(self.right[k] / self.total[k], 4), "n": self.total[k]}
                for k in sorted(self.total)}


def _eval_records(world: Path, split: str) -> dict[str, list[dict]]:
    path = Path(world) / f"eval_{split}.json"
    try:
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise DataError(path, f"cannot read the eval questions ({error})") from error
    by_clip: dict[str, list[dict]] = defaultdict(list)
    for record in records:
        by_clip[record["v_id"]].append(record)
    return by_clip


def check_tower(result: Path, world: Path, splits: tuple[str, ...], num_frames: int = 8, progress: bool = True
                ) -> dict:
    """The report for the clips of `splits` in `world` (see the module docstring)."""
    trained = TrainedTower.load(result)
    records = [r for r in ground_truth(world) if r["split"] in splits]
    if not records:
        raise DataError(Path(world) / "ground_truth.jsonl", f"no clip in splits {', '.join(splits)}")
    questions = {k: v for split in splits for k, v in _eval_records(world, split).items()}
    outputs, tables, tallies = [], [], {"global": Tally(), "cells": Tally()}
    for record in tqdm(records, desc="check", unit="clip", disable=not progress):
        sampled = sample_frames(Path(world) / record["video"], num_frames=num_frames)
        out = trained.probe(sampled.frames)
        outputs.append(out)
        tables.append(torch.from_numpy(pair_tables(Clip.from_record(record), sampled.indices)))
        times = np.asarray(sampled.indices) / max(1, sampled.info.num_frames - 1)
        scenes = {"global": ClipScene(visible=(out.pair_visible > 0).numpy(), xy=out.pair_xy.numpy(), times=times),
                  "cells": scene_from_cells(out.cell_shape.numpy(), out.cell_colour.numpy(),
                                            out.cell_offset.numpy(), times)}
        for question in questions.get(record["id"], []):
            turns = question["conversations"]
            qtype, lang = question["question_type"], question["language"]
            for source, scene in scenes.items():
                ok = score_answer(answer(scene, qtype, turns[0]["value"], lang), turns[1]["value"], qtype)
                tallies[source].add(("overall", qtype, lang, f"{qtype}/{lang}"), ok)
    fields = ProbeOutputs.__dataclass_fields__
    merged = ProbeOutputs(*(torch.cat([getattr(o, name) for o in outputs]) for name in fields))
    all_tables = torch.cat(tables)
    image_size = trained.processor.size.height
    return {
        "world": str(world), "splits": list(splits), "clips": len(records), "frames": int(all_tables.shape[0]),
        "frame_metrics": {k: round(v, 4) for k, v in frame_metrics(
            merged, cell_targets(all_tables, trained.grid), all_tables, image_size).items()},
        "questions_from_global_tokens": tallies["global"].accuracy(),
        "questions_from_cells": tallies["cells"].accuracy(),
    }
