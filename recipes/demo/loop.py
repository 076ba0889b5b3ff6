"""The one training loop of the recipe's stages that have no LLM in the loop: stage 0 (the vision tower and its
probes) and stage 1 (the `objects` read-out). Stage 2 trains through `videoassist train`.

AdamW (built by the caller) under a linear warm-up, then a cosine to zero at `steps`; the caller's `step_losses(step)`
gives the losses of step `step` (their "total" is minimised), its `evaluate()` the validation metrics every
`eval_every` steps. A step's batch must depend only on the step (or on `generator`, whose state is checkpointed), so
a run stopped anywhere — a time limit, a session's step budget, a crash — resumes and ends as an uninterrupted one.

In the run folder:
    checkpoint/   the trained modules (`<name>.safetensors`), the optimizer (`optimizer.safetensors` and
                  `optimizer.json`), `state.json` (step, elapsed seconds, the caller's record); written every
                  `checkpoint_every` steps and on stopping, atomically (videoassist.checkpoints.atomic)
    log.jsonl     one line per step (losses, lr, wall and CPU seconds) and per evaluation ("eval": "val")
safetensors and JSON only: a checkpoint is never unpickled.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from tqdm import tqdm

from videoassist.checkpoints.atomic import atomic_write, old_copy
from videoassist.errors import ModelError

CHECKPOINT = "checkpoint"
LOG = "log.jsonl"


@dataclass(frozen=True)
class Schedule:
    steps: int
    lr: float
    warmup_steps: int
    eval_every: int
    checkpoint_every: int
    max_grad_norm: float | None = None  # clip the gradients' global norm to this
    time_limit_s: float | None = None   # stop (with a checkpoint) after this long in one session
    session_steps: int | None = None    # likewise, after this many steps in one session


def learning_rate(step: int, lr: float, warmup_steps: int, steps: int) -> float:
    """Linear warm-up over `warmup_steps`, then cosine to zero at `steps`."""
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / max(1, steps - warmup_steps)
    return lr * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def find_checkpoint(run: Path) -> Path | None:
    """The checkpoint to resume from; the previous one (atomic.old_copy) when a swap was interrupted between its
    two renames."""
    for folder in (Path(run) / CHECKPOINT, old_copy(Path(run) / CHECKPOINT)):
        if (folder / "state.json").is_file():
            return folder
    return None


def save_checkpoint(run: Path, modules: dict[str, torch.nn.Module], optimizer: torch.optim.Optimizer,
                    state: dict, generator: torch.Generator | None = None) -> None:
    with atomic_write(Path(run) / CHECKPOINT) as partial:
        partial.mkdir()
        for name, module in modules.items():
            save_file({k: v.contiguous() for k, v in module.state_dict().items()}, str(partial / f"{name}.safetensors"))
        saved = optimizer.state_dict()
        tensors = {f"{index}.{name}": value.contiguous() for index, slots in saved["state"].items()
                   for name, value in slots.items()}
        if generator is not None:
            tensors["generator"] = generator.get_state()
        save_file(tensors, str(partial / "optimizer.safetensors"))
        (partial / "optimizer.json").write_text(json.dumps(saved["param_groups"]))
        (partial / "state.json").write_text(json.dumps(state, indent=2))


def load_checkpoint(folder: Path, modules: dict[str, torch.nn.Module], optimizer: torch.optim.Optimizer,
                    generator: torch.Generator | None = None) -> dict:
    """Load a checkpoint into the modules, the optimizer and the generator; → its state.json."""
    try:
        for name, module in modules.items():
            module.load_state_dict(load_file(str(folder / f"{name}.safetensors")))
        slots: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in load_file(str(folder / "optimizer.safetensors")).items():
            if key == "generator":
                if generator is not None:
                    generator.set_state(value)
                continue
            index, name = key.split(".", 1)
            slots.setdefault(int(index), {})[name] = value
        optimizer.load_state_dict({"state": slots,
                                   "param_groups": json.loads((folder / "optimizer.json").read_text())})
        return json.loads((folder / "state.json").read_text())
    except (OSError, ValueError, RuntimeError, KeyError) as error:
        raise ModelError(f"{folder}: not a checkpoint of this run ({error}); delete it to start over") from error


def _append_log(path: Path, entry: dict) -> None:
    with open(path, "a", encoding="utf-8") as file:
        file.write(json.dumps(entry) + "\n")


def train_loop(run: Path, modules: dict[str, torch.nn.Module], optimizer: torch.optim.Optimizer,
               schedule: Schedule, step_losses: Callable[[int], dict[str, torch.Tensor]],
               evaluate: Callable[[], dict[str, float]], record: dict | None = None,
               generator: torch.Generator | None = None, desc: str = "train", progress: bool = True) -> bool:
    """Train (or resume) in `run` until `schedule.steps`; True when they are done, False when the session stopped
    first (its checkpoint written: run it again to go on). `record` goes into every checkpoint's state.json."""
    run = Path(run)
    run.mkdir(parents=True, exist_ok=True)
    step, elapsed = 0, 0.0
    found = find_checkpoint(run)
    if found is not None:
        saved = load_checkpoint(found, modules, optimizer, generator)
        step, elapsed = saved["step"], saved["elapsed_s"]
        print(f"{desc}: resuming from {found} at step {step}")
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    for module in modules.values():
        module.train()

    def checkpoint() -> None:
        save_checkpoint(run, modules, optimizer, {"step": step, "elapsed_s": elapsed, **(record or {})}, generator)

    session, first_step = time.perf_counter(), step
    started = session - elapsed  # elapsed counts every session of this run
    bar = tqdm(total=schedule.steps, initial=step, desc=desc, unit="step", disable=not progress)
    while step < schedule.steps:
        if schedule.time_limit_s is not None and time.perf_counter() - session >= schedule.time_limit_s:
            break
        if schedule.session_steps is not None and step - first_step >= schedule.session_steps:
            break
        tick, cpu_tick = time.perf_counter(), time.process_time()
        lr = learning_rate(step, schedule.lr, schedule.warmup_steps, schedule.steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        losses = step_losses(step)
        optimizer.zero_grad(set_to_none=True)
        losses["total"].backward()
        if schedule.max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(parameters, schedule.max_grad_norm)
        optimizer.step()
        step += 1
        seconds = time.perf_counter() - tick
        cpu_seconds = time.process_time() - cpu_tick  # this process's CPU time: the machine is shared
        _append_log(run / LOG, {"step": step, "lr": lr, "seconds": round(seconds, 3),
                                "cpu_seconds": round(cpu_seconds, 3),
                                **{k: round(v.item(), 5) for k, v in losses.items()}})
        bar.update(1)
        bar.set_postfix(loss=f"{losses['total'].item():.3f}", s_per_step=f"{seconds:.2f}")
        if step % schedule.eval_every == 0 or step == schedule.steps:
            for module in modules.values():
                module.eval()
            with torch.no_grad():
                metrics = evaluate()
            for module in modules.values():
                module.train()
            _append_log(run / LOG, {"step": step, "eval": "val", **{k: round(v, 4) for k, v in metrics.items()}})
            bar.write(f"{desc} step {step}: " + ", ".join(f"{k} {v:.3f}" for k, v in metrics.items()))
        elapsed = time.perf_counter() - started
        if step % schedule.checkpoint_every == 0 or step == schedule.steps:
            checkpoint()
    bar.close()
    elapsed = time.perf_counter() - started
    checkpoint()
    for module in modules.values():
        module.eval()
    if step < schedule.steps:
        print(f"{desc} stopped at step {step} of {schedule.steps}; run it again to resume")
        return False
    return True


def eval_entries(run: Path) -> list[dict]:
    """The evaluation lines of the run's log, in order."""
    lines = (Path(run) / LOG).read_text(encoding="utf-8").splitlines()
    return [entry for entry in map(json.loads, lines) if entry.get("eval")]
