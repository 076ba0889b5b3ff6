"""A training run's output folder, as the trainer writes it and release tools read it: the run's config record and
its `checkpoint-N` folders (each a checkpoint folder plus the Trainer's state)."""

from __future__ import annotations

import re
from pathlib import Path

from transformers.trainer import TRAINER_STATE_NAME
from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR

RUN_CONFIG = "train_config.yaml"  # the training config the run was started with
CHECKPOINT_PATTERN = re.compile(rf"^{PREFIX_CHECKPOINT_DIR}-(\d+)$")


def last_complete_checkpoint(output_dir: str | Path) -> Path | None:
    """The `checkpoint-N` with the highest N that was written to the end (the Trainer writes its state file
    last), or None."""
    folder = Path(output_dir)
    if not folder.is_dir():
        return None
    complete = [
        (int(match.group(1)), path)
        for path in folder.iterdir()
        if (match := CHECKPOINT_PATTERN.match(path.name)) and (path / TRAINER_STATE_NAME).is_file()
    ]
    return max(complete)[1] if complete else None


__all__ = ["RUN_CONFIG", "last_complete_checkpoint"]
