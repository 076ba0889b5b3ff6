"""DeepSpeed ZeRO-2 on the CPU: one process started without a launcher, two under scripts/pretrain.sh (torchrun).

Each run is a separate command, as a user starts it (a process group cannot be set up twice in one process).
The first DeepSpeed run on a machine compiles DeepSpeed's shared-memory op for the CPU once (cached after).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from test_train_fixtures import REPO, TINY_RECIPES, clips, tiny_models  # noqa: F401 (fixtures)
from videoassist.checkpoints.sources import load_model


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run(command: list[str], **env) -> subprocess.CompletedProcess:
    # One thread per process: two processes on two cores, tiny models (more threads only contend).
    environment = {**os.environ, "OMP_NUM_THREADS": "1", "TRANSFORMERS_VERBOSITY": "error", **env}
    result = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def settings(output: Path, base: Path, data: Path) -> list[str]:
    pairs = {"output_dir": output, "model.base": base, "data.0.path": data, "training.max_steps": 2,
             "training.save_steps": 2, "training.per_device_train_batch_size": 2}
    return [arg for key, value in pairs.items() for arg in ("--set", f"{key}={value}")]


def assert_trained_checkpoint(output: Path, processes: int):
    checkpoint = output / "checkpoint-2"
    assert (checkpoint / "global_step2").is_dir()  # DeepSpeed's own state: the run went through the engine
    assert sorted(p.name for p in checkpoint.glob("rng_state*.pth")) == (
        ["rng_state.pth"] if processes == 1 else [f"rng_state_{rank}.pth" for rank in range(processes)]
    )
    model, _ = load_model(str(output))
    assert model.config.token_mode == "llamavid"


def test_one_process_zero2_without_a_launcher(clips, tiny_models, tmp_path):
    output = tmp_path / "one"
    command = [sys.executable, "-m", "videoassist", "train", str(TINY_RECIPES / "pretrain.yaml"),
               "--deepspeed", "scripts/zero2.json", *settings(output, tiny_models(), clips / "pretrain_train.json")]
    run(command)
    assert_trained_checkpoint(output, processes=1)


def test_two_processes_zero2_under_the_launch_script(clips, tiny_models, tmp_path):
    output = tmp_path / "two"
    command = ["bash", "scripts/pretrain.sh", str(TINY_RECIPES / "pretrain.yaml"),
               *settings(output, tiny_models(), clips / "pretrain_train.json")]
    run(command, LAUNCHER="torchrun", NPROC_PER_NODE="2", MASTER_PORT=str(free_port()),
        DS_CONFIG="scripts/zero2.json")
    assert_trained_checkpoint(output, processes=2)
