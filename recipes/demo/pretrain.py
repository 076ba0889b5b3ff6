"""Stage 0: pre-train the demo's vision tower on cached frames of the synthetic world, with linear probes.

Frames are independent samples here (every target is per frame), so a batch is `batch_size` random frames of
the train split, augmented, through `VisionTower` (the very wrapper VideoAssist reads the tower with, at
`select_layer`) into the probes, trained by the recipe's loop (loop.py: AdamW, linear warm-up then cosine to zero
at `train.steps`, resumable). The batch of step k and its augmentation are functions of (seed, k), so a resumed run
sees what an uninterrupted one would have.

Output in the run folder:
    checkpoint/, log.jsonl   the loop's: the latest state (tower, probes, optimizer), and one line per step and
                             per evaluation (val metrics)
    tower/, probes.safetensors, settings.yaml   the result, once `train.steps` are done
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import yaml
from safetensors.torch import save_file

from videoassist.checkpoints.atomic import atomic_update
from videoassist.models.videoassist.vision_tower import VisionTower
from .augment import augment
from .frame_cache import CachedSplit, load_split
from .loop import Schedule, train_loop
from .probes import ProbeOutputs, Probes, frame_metrics, probe_losses
from .settings import VisionSettings
from .targets import cell_targets
from .tower import build_tower, image_processor, normalise


@dataclass
class FrameBank:
    """A split's frames flattened to single frames: uint8 [N, S, S, 3] and pair tables [N, 24, 5]."""

    frames: torch.Tensor
    tables: torch.Tensor

    @classmethod
    def from_split(cls, split: CachedSplit) -> "FrameBank":
        frames = torch.from_numpy(split.frames).flatten(0, 1)
        return cls(frames, torch.from_numpy(split.tables).flatten(0, 1))

    def __len__(self) -> int:
        return self.frames.shape[0]

    def pixels(self, index: torch.Tensor) -> torch.Tensor:
        """float [B, 3, S, S] in 0..1."""
        return self.frames[index].permute(0, 3, 1, 2).float() / 255.0


def make_optimizer(tower: torch.nn.Module, probes: torch.nn.Module, settings: VisionSettings):
    params = [p for m in (tower, probes) for p in m.parameters()]
    decay = [p for p in params if p.dim() >= 2]  # no decay on biases, norms and the class/position embeddings
    rest = [p for p in params if p.dim() < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": settings.train.weight_decay},
                              {"params": rest, "weight_decay": 0.0}], lr=settings.train.lr)


def run_probes(tower: VisionTower, probes: Probes, pixels01: torch.Tensor, processor) -> ProbeOutputs:
    features = tower(normalise(processor, pixels01))
    return probes(features.global_tokens, features.patch_tokens)


@torch.no_grad()
def evaluate(tower: VisionTower, probes: Probes, bank: FrameBank, processor, settings: VisionSettings,
             batch_size: int = 128) -> dict[str, float]:
    """Probe metrics on the bank's first frames (no augmentation, the modules in eval mode), as one batch."""
    index = torch.arange(min(len(bank), settings.train.eval_frames))
    outs = [run_probes(tower, probes, bank.pixels(chunk), processor) for chunk in index.split(batch_size)]
    merged = ProbeOutputs(*(torch.cat([getattr(o, f) for o in outs]) for f in ProbeOutputs.__dataclass_fields__))
    tables = bank.tables[index]
    return frame_metrics(merged, cell_targets(tables, settings.tower.grid(settings.frames.image_size)), tables,
                         settings.frames.image_size)


def train_vision(world: Path, cache: Path, run: Path, settings: VisionSettings, progress: bool = True) -> bool:
    """Train (or resume) stage 0 in `run`; returns True once `train.steps` are done and the result written."""
    run = Path(run)
    if (run / "tower" / "config.json").is_file():
        print(f"{run}/tower: stage 0 already finished")
        return True
    train = settings.train
    if train.threads:
        torch.set_num_threads(train.threads)
    processor = image_processor(settings.frames)
    grid = settings.tower.grid(settings.frames.image_size)
    bank = FrameBank.from_split(load_split(world, cache, "train", progress))
    val = FrameBank.from_split(load_split(world, cache, "val", progress))

    model = build_tower(settings.tower, settings.frames, train.seed)
    probes = Probes(settings.tower.feature_width)  # seeded by build_tower, so a fresh run is reproducible
    tower = VisionTower(model, settings.tower.select_layer, frozen=False)

    def step_losses(step: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([train.seed, step])
        index = torch.from_numpy(rng.integers(len(bank), size=train.batch_size))
        generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
        pixels, tables = augment(bank.pixels(index), bank.tables[index], settings.augment, generator)
        return probe_losses(run_probes(tower, probes, pixels, processor), cell_targets(tables, grid), tables,
                            settings.loss)

    schedule = Schedule(steps=train.steps, lr=train.lr, warmup_steps=train.warmup_steps, eval_every=train.eval_every,
                        checkpoint_every=train.checkpoint_every, max_grad_norm=1.0, time_limit_s=train.time_limit_s,
                        session_steps=train.session_steps)
    done = train_loop(run, {"tower": model, "probes": probes}, make_optimizer(model, probes, settings), schedule,
                      step_losses, lambda: evaluate(tower, probes, val, processor, settings),
                      record={"settings": settings.to_dict()}, desc="stage 0", progress=progress)
    if done:
        _write_result(run, model, processor, probes, settings)
    return done


def _write_result(run: Path, model, processor, probes, settings: VisionSettings) -> None:
    with atomic_update(run, marker="tower") as partial:  # the tower comes last: its presence marks the stage done
        model.save_pretrained(partial / "tower")
        processor.save_pretrained(partial / "tower")
        save_file({k: v.contiguous() for k, v in probes.state_dict().items()}, str(partial / "probes.safetensors"))
        (partial / "settings.yaml").write_text(yaml.safe_dump(settings.to_dict(), sort_keys=False))
