"""Stage 0: pre-train the demo's vision tower on cached frames of the synthetic world, with linear probes.

Frames are independent samples here (every target is per frame), so a batch is `batch_size` random frames of
the train split, augmented, through `VisionTower` (the very wrapper VideoAssist reads the tower with, at
`select_layer`) into the probes. AdamW, linear warm-up then cosine to zero at `train.steps`. The batch of step k
and its augmentation are functions of (seed, k), so a resumed run sees what an uninterrupted one would have.

Output in the run folder:
    checkpoint/         the latest state (see checkpoint.py), every `checkpoint_every` steps and on stopping
    log.jsonl           one line per step (losses, lr, seconds) and per evaluation (val metrics)
    tower/, probes.safetensors, settings.yaml   the result, once `train.steps` are done
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import yaml
from tqdm import tqdm

from ..checkpoints.atomic import atomic_update
from ..models.videoassist.vision_tower import VisionTower
from .augment import augment
from .checkpoint import find_checkpoint, load_checkpoint, save_checkpoint, save_tower
from .frame_cache import CachedSplit, load_split
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


def learning_rate(step: int, lr: float, warmup_steps: int, steps: int) -> float:
    """Linear warm-up over `warmup_steps`, then cosine to zero at `steps` (stage 0 and the align step)."""
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, steps - warmup_steps)
    return lr * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


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
    """Probe metrics on the bank's first frames (no augmentation), as one batch of outputs."""
    was_training = tower.training
    tower.eval()
    probes.eval()
    index = torch.arange(min(len(bank), settings.train.eval_frames))
    outs = [run_probes(tower, probes, bank.pixels(chunk), processor) for chunk in index.split(batch_size)]
    merged = ProbeOutputs(*(torch.cat([getattr(o, f) for o in outs]) for f in ProbeOutputs.__dataclass_fields__))
    tables = bank.tables[index]
    metrics = frame_metrics(merged, cell_targets(tables, settings.tower.grid(settings.frames.image_size)), tables,
                            settings.frames.image_size)
    tower.train(was_training)
    probes.train(was_training)
    return metrics


def _append_log(path: Path, entry: dict) -> None:
    with open(path, "a", encoding="utf-8") as file:
        file.write(json.dumps(entry) + "\n")


def train_vision(world: Path, cache: Path, run: Path, settings: VisionSettings, progress: bool = True) -> bool:
    """Train (or resume) stage 0 in `run`; returns True once `train.steps` are done and the result written."""
    run = Path(run)
    run.mkdir(parents=True, exist_ok=True)
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
    step, elapsed = 0, 0.0
    found = find_checkpoint(run)
    if found is None:
        optimizer = make_optimizer(model, probes, settings)
    else:
        model, saved = load_checkpoint(found)
        probes.load_state_dict(saved["probes"])
        optimizer = make_optimizer(model, probes, settings)
        optimizer.load_state_dict(saved["optimizer"])
        step, elapsed = saved["step"], saved["elapsed_s"]
        print(f"resuming stage 0 from {found} at step {step}")
    tower = VisionTower(model, settings.tower.select_layer, frozen=False).train()
    probes.train()

    def checkpoint() -> None:
        save_checkpoint(run, model, processor, probes, optimizer,
                        {"step": step, "elapsed_s": elapsed, "settings": settings.to_dict()})

    log = run / "log.jsonl"
    session, first_step = time.perf_counter(), step
    started = session - elapsed  # elapsed counts every session of this run
    bar = tqdm(total=train.steps, initial=step, desc="stage 0", unit="step", disable=not progress)
    while step < train.steps:
        if train.time_limit_s is not None and time.perf_counter() - session >= train.time_limit_s:
            break
        if train.session_steps is not None and step - first_step >= train.session_steps:
            break
        tick, cpu_tick = time.perf_counter(), time.process_time()
        rng = np.random.default_rng([train.seed, step])
        index = torch.from_numpy(rng.integers(len(bank), size=train.batch_size))
        generator = torch.Generator().manual_seed(int(rng.integers(2**62)))
        pixels, tables = augment(bank.pixels(index), bank.tables[index], settings.augment, generator)
        lr = learning_rate(step, settings.train.lr, settings.train.warmup_steps, settings.train.steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        out = run_probes(tower, probes, pixels, processor)
        losses = probe_losses(out, cell_targets(tables, grid), tables, settings.loss)
        optimizer.zero_grad(set_to_none=True)
        losses["total"].backward()
        torch.nn.utils.clip_grad_norm_([p for g in optimizer.param_groups for p in g["params"]], 1.0)
        optimizer.step()
        step += 1
        seconds = time.perf_counter() - tick
        cpu_seconds = time.process_time() - cpu_tick  # this process's CPU time: the machine is shared
        _append_log(log, {"step": step, "lr": lr, "seconds": round(seconds, 3), "cpu_seconds": round(cpu_seconds, 3),
                          **{k: round(v.item(), 5) for k, v in losses.items()}})
        bar.update(1)
        bar.set_postfix(loss=f"{losses['total'].item():.3f}", s_per_step=f"{seconds:.2f}")
        if step % train.eval_every == 0 or step == train.steps:
            metrics = evaluate(tower, probes, val, processor, settings)
            _append_log(log, {"step": step, "eval": "val", **{k: round(v, 4) for k, v in metrics.items()}})
            bar.write(f"step {step}: " + ", ".join(f"{k} {v:.3f}" for k, v in metrics.items()))
        elapsed = time.perf_counter() - started
        if step % train.checkpoint_every == 0 or step == train.steps:
            checkpoint()
    bar.close()
    elapsed = time.perf_counter() - started
    checkpoint()
    if step < train.steps:
        print(f"stage 0 stopped at step {step} of {train.steps}; run it again to resume")
        return False
    _write_result(run, model, processor, probes, settings)
    return True


def _write_result(run: Path, model, processor, probes, settings: VisionSettings) -> None:
    with atomic_update(run, marker="tower") as partial:  # the tower comes last: its presence marks the stage done
        save_tower(partial, model, processor, probes)
        (partial / "settings.yaml").write_text(yaml.safe_dump(settings.to_dict(), sort_keys=False))
