"""Shared fixtures of the training tests (imported by test_train*.py, test_deepspeed.py, test_merge.py,
test_finetune.py): ~20 synthetic clips in the Valley formats, tiny saved models, the tiny recipes of configs/tiny
with a test's own paths, and comparing weights before and after training."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from data_tools.__main__ import main as data_tools_main
from videoassist.testing import save_tiny_model
from videoassist.checkpoints.folder import stored_name
from videoassist.training.config import TrainConfig, load_config
from videoassist.checkpoints.lora import LORA_MARKER

REPO = Path(__file__).resolve().parent.parent
TINY_RECIPES = REPO / "configs" / "tiny"


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models run fastest on one thread; two threads fighting over two shared cores ran 15x slower."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> Path:
    """`python -m data_tools synth` with 25 clips (20 in train), English records, 64 px."""
    out = tmp_path_factory.mktemp("train_synth") / "synth"
    argv = ["synth", "--out", str(out), "--n", "25", "--seed", "3", "--lang", "en", "--min-size", "64",
            "--max-size", "64", "--quiet"]
    assert data_tools_main(argv) == 0
    return out


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """tiny_models(token_mode) → a saved tiny checkpoint folder (base models beside it), made on first use."""
    root = tmp_path_factory.mktemp("tiny_models")
    made: dict[str, Path] = {}

    def get(token_mode: str = "llamavid") -> Path:
        if token_mode not in made:
            made[token_mode] = save_tiny_model(root / token_mode, token_mode)
        return made[token_mode]

    return get


def recipe(name: str, output_dir: Path, base: Path, data: Path, *extra: str, **training) -> TrainConfig:
    """configs/tiny/<name>.yaml with this test's paths; `extra`: more KEY=VALUE overrides."""
    overrides = [f"output_dir={output_dir}", f"model.base={base}", f"data.0.path={data}", *extra]
    overrides += [f"training.{key}={value}" for key, value in training.items()]
    return load_config(TINY_RECIPES / f"{name}.yaml", overrides)


def weights(model) -> dict[str, torch.Tensor]:
    """Every weight under the name it has without LoRA wrapping; the adapters under their own names."""
    return {
        name if LORA_MARKER in name else stored_name(name): p.detach().clone() for name, p in model.state_dict().items()
    }


def changed(before: dict[str, torch.Tensor], after: dict[str, torch.Tensor]) -> set[str]:
    return {name for name in before if not torch.equal(before[name], after[name])}


def logged_losses(checkpoint: Path) -> list[tuple[int, float]]:
    history = json.loads((checkpoint / "trainer_state.json").read_text())["log_history"]
    return [(entry["step"], entry["loss"]) for entry in history if "loss" in entry]
