"""Stage 1 of the demo: train the `objects` read-out with the world's ground truth, so its tokens say what is seen.

The built model's cell classifier (the stage-0 probes) turns each cached train clip into class tracks once (tower
and classifier frozen, so the tracks are fixed); then the read-out's transformer and heads learn, per clip, the
number of objects and, per class, whether it names an object, its motion, its event and its order
(visual_words.scene_targets), with cross-entropy, by the recipe's loop (loop.py: checkpointed, an interrupted run
resumes). Tracks are mirrored left-right and up-down at random, their motion labels with them. Seconds per hundred
steps: the LLM is not involved. The result is the built model with the read-out trained and frozen (`freeze` in its
token_builder_config), written into the run folder once the steps are done (its config.json last: a finished run
is skipped), with the validation lines of the log (readout_log.jsonl, the last in readout_metrics.json).

    python -m recipes.demo align --work outputs/demo        # reads <work>/base, writes <work>/align
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from data_tools.synth.world import Clip
from videoassist.checkpoints.atomic import atomic_update
from videoassist.checkpoints.sources import load_model
from .frame_cache import ground_truth, load_split
from .loop import Schedule, eval_entries, train_loop
from .settings import AlignSettings
from .tower import normalise
from .visual_words import IGNORE, MOTION_KEYS, scene_targets

# Mirroring swaps these motions.
MIRROR = {0: ("left", "right"), 1: ("up", "down")}


@torch.no_grad()
def clip_tracks(model, processor, frames: np.ndarray, batch_clips: int = 32, progress: bool = True) -> torch.Tensor:
    """uint8 frames [N, T, S, S, 3] (the frame cache) → the read-out's tracks [N, K, 3·steps]."""
    out = []
    for start in tqdm(range(0, len(frames), batch_clips), desc="tracks", unit="batch", disable=not progress):
        chunk = torch.from_numpy(frames[start:start + batch_clips])
        clips, steps = chunk.shape[:2]
        pixels = normalise(processor.video_processor, chunk.flatten(0, 1).permute(0, 3, 1, 2).float() / 255.0)
        patches = model.vision_tower(pixels).patch_tokens
        out.append(model.token_builder.tracks(patches.unflatten(0, (clips, steps))))
    return torch.cat(out)


def split_targets(world: Path, split: str) -> dict[str, torch.Tensor]:
    """The read-out's targets of every clip of `split`, in ground-truth order (the frame cache's order)."""
    targets = [scene_targets(Clip.from_record(r)) for r in ground_truth(world) if r["split"] == split]
    return {key: torch.from_numpy(np.stack([t[key] for t in targets])) for key in targets[0]}


def mirror(tracks: torch.Tensor, targets: dict[str, torch.Tensor], flips: torch.Tensor) -> tuple:
    """Mirror clip b along axis a where flips[b, a]: its centred x (y) tracks change sign, left↔right (up↔down)."""
    steps = tracks.shape[-1] // 3
    tracks, motion = tracks.clone(), targets["motion"].clone()
    for axis, (first, second) in MIRROR.items():
        rows = flips[:, axis]
        coords = slice((1 + axis) * steps, (2 + axis) * steps)
        tracks[rows, :, coords] = -tracks[rows, :, coords]
        a, b = MOTION_KEYS.index(first), MOTION_KEYS.index(second)
        original = targets["motion"][rows]
        swapped = original.clone()
        swapped[original == a], swapped[original == b] = b, a
        motion[rows] = swapped
    return tracks, {**targets, "motion": motion}


def readout_losses(scene, targets: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    terms = {
        "count": F.cross_entropy(scene.count, targets["count"]),
        "objectness": F.binary_cross_entropy_with_logits(scene.objectness, targets["objectness"]),
        "motion": F.cross_entropy(scene.motion.flatten(0, 1), targets["motion"].flatten(), ignore_index=IGNORE),
        "event": F.cross_entropy(scene.event.flatten(0, 1), targets["event"].flatten(), ignore_index=IGNORE),
        "order": F.cross_entropy(scene.order.flatten(0, 1), targets["order"].flatten(), ignore_index=IGNORE),
    }
    terms["total"] = sum(terms.values())
    return terms


@torch.no_grad()
def readout_metrics(scene, targets: dict[str, torch.Tensor]) -> dict[str, float]:
    """Per clip: count right, the set of objects exact; per true object: motion, event and order right."""
    objects = targets["objectness"] > 0.5
    return {
        "count_acc": (scene.count.argmax(-1) == targets["count"]).float().mean().item(),
        "objects_exact": ((scene.objectness > 0) == objects).all(-1).float().mean().item(),
        "motion_acc": (scene.motion.argmax(-1) == targets["motion"])[objects].float().mean().item(),
        "event_acc": (scene.event.argmax(-1) == targets["event"])[objects].float().mean().item(),
        "order_acc": (scene.order.argmax(-1) == targets["order"])[objects].float().mean().item(),
    }


def train_readout(base: Path, world: Path, cache: Path, out: Path, settings: AlignSettings,
                  progress: bool = True) -> dict[str, float]:
    """Train (or resume) the read-out of the model in `base` on the cached clips of `world`, in the run folder
    `out` (the loop's checkpoint/ and log.jsonl); then write the model there. Returns the last validation metrics."""
    out = Path(out)
    if (out / "config.json").is_file():
        print(f"{out}: already trained")
        return json.loads((out / "readout_metrics.json").read_text())
    torch.manual_seed(settings.seed)
    model, processor = load_model(str(base))
    builder = model.token_builder
    data = {}
    for split in ("train", "val"):
        tracks = clip_tracks(model, processor, load_split(world, cache, split, progress).frames, progress=progress)
        data[split] = (tracks, split_targets(world, split))
    train_tracks, train_targets = data["train"]
    trained = [p for name, p in builder.named_parameters() if not name.startswith(("cell_class", "cell_offset"))]
    optimizer = torch.optim.AdamW(trained, lr=settings.lr, weight_decay=settings.weight_decay)
    generator = torch.Generator().manual_seed(settings.seed)  # checkpointed by the loop: resumes draw the same

    def step_losses(step: int) -> dict[str, torch.Tensor]:
        index = torch.randint(len(train_tracks), (settings.batch_size,), generator=generator)
        flips = torch.rand(settings.batch_size, 2, generator=generator) < settings.flip
        tracks, targets = mirror(train_tracks[index], {k: v[index] for k, v in train_targets.items()}, flips)
        return readout_losses(builder.scene(tracks), targets)

    schedule = Schedule(steps=settings.steps, lr=settings.lr, warmup_steps=settings.warmup_steps,
                        eval_every=settings.eval_every, checkpoint_every=settings.checkpoint_every)
    train_loop(out, {"token_builder": builder}, optimizer, schedule, step_losses,
                      lambda: readout_metrics(builder.scene(data["val"][0]), data["val"][1]),
                      record={"align": dataclasses.asdict(settings)}, generator=generator, desc="align",
                      progress=progress)
    evaluations = eval_entries(out)
    model.config.token_builder_config.freeze = True
    with atomic_update(out, marker="config.json") as partial:  # config.json last: it marks the stage done
        model.save_pretrained(partial)
        processor.save_pretrained(partial)
        (partial / "readout_log.jsonl").write_text("".join(json.dumps(line) + "\n" for line in evaluations))
        (partial / "readout_metrics.json").write_text(json.dumps(evaluations[-1], indent=2) + "\n")
    return evaluations[-1]
