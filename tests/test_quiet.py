"""Quiet output: a command prints its answer and nothing of the libraries' notices; `--debug` shows them all.

The model has a LoRA adapter, as the demo has: attaching it is where PEFT reads transformers' deprecated
`is_gradient_checkpointing` (a FutureWarning on every `ask`, before this was filtered).
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import torch

from test_train_fixtures import one_thread, tiny_models  # noqa: F401 (fixtures)
from videoassist.checkpoints.folder import save_checkpoint
from videoassist.checkpoints.sources import load_model
from videoassist.inference import VideoAssistant
from videoassist.training.config import LoraSettings
from videoassist.training.stages import prepare_for_stage

REPO = Path(__file__).resolve().parent.parent
CLIP = REPO / "samples" / "synth" / "synth_000000.mp4"
LIBRARY_SWITCHES = ("TRANSFORMERS_VERBOSITY", "HF_HUB_VERBOSITY", "HF_HUB_DISABLE_PROGRESS_BARS", "PYTHONWARNINGS")


@pytest.fixture(scope="module")
def lora_model(tiny_models, tmp_path_factory) -> Path:
    model, processor = load_model(str(tiny_models("llamavid")))
    prepare_for_stage(model, "instruct", LoraSettings(r=4, alpha=8, dropout=0.0))
    return save_checkpoint(model, processor, tmp_path_factory.mktemp("quiet") / "lora")


def ask(model: Path, *before: str) -> subprocess.CompletedProcess:
    """`videoassist [before…] ask` in a fresh process, with none of the libraries' switches set by the caller."""
    env = {k: v for k, v in os.environ.items() if k not in LIBRARY_SWITCHES} | {"OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "videoassist", *before, "ask", str(CLIP), "What colour is the circle?",
               "--model", str(model), "--frames", "2", "--max-new-tokens", "3"]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO, timeout=300)


def test_ask_prints_the_answer_and_nothing_on_stderr(lora_model):
    done = ask(lora_model)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()  # the answer
    assert not [line for line in done.stderr.splitlines() if "warn" in line.lower()]
    assert done.stderr == ""


def test_debug_shows_the_libraries_warnings(lora_model):
    done = ask(lora_model, "--debug")
    assert done.returncode == 0, done.stderr
    assert "FutureWarning: `is_gradient_checkpointing` is deprecated" in done.stderr


def test_our_code_raises_no_deprecation_or_future_warning(lora_model):
    """Every FutureWarning/DeprecationWarning during a load and an ask comes from a library, none from ours."""
    package = str(REPO / "videoassist")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with torch.no_grad():
            VideoAssistant.load(str(lora_model)).ask(str(CLIP), "What colour is the circle?", num_frames=2,
                                                     max_new_tokens=3)
    ours = [w for w in caught if issubclass(w.category, (FutureWarning, DeprecationWarning))
            and w.filename.startswith(package)]
    assert not ours, [f"{w.filename}:{w.lineno}: {w.message}" for w in ours]
