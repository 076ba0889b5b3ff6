"""`videoassist finetune`: one command from your own clips to a fine-tuned checkpoint.

The data is a folder of clips with `captions.csv` (video,caption) or `captions.jsonl`, or a captions .csv/.jsonl
file whose video paths are relative to its folder (both imported into Valley JSON as `python -m data_tools
import-clips` does), or a Valley JSON file (video paths relative to its folder, as import-clips writes them, unless
a video root is given). Training is stage 2 with LoRA by default, with settings for a few hundred clips: Valley's
r 16 / alpha 32, a lower learning rate than Valley's 5e-4 (few examples, several epochs), 3 epochs, a small batch
so that there are enough steps.

The base is demo, a checkpoint of ours, or one of transformers' video LLMs (a hub id or folder: LLaVA-OneVision,
Qwen2/2.5/3-VL, SmolVLM, ...), whose LLM gets the LoRA adapters (training/hf_video.py); the output then holds the
adapter and the processor, and loads with --model OUTPUT as the base does.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..data import DataSpec
from ..data.captions import import_captions
from ..errors import DataError
from ..checkpoints.check import check_model
from .config import LoraSettings, ModelSettings, TrainConfig, TrainingSettings
from .trainer import TrainResult, train

logger = logging.getLogger(__name__)

CAPTION_FILES = ("captions.csv", "captions.jsonl")
IMPORTED_DATA = "finetune_data.json"


def prepare_data(data: str | Path, output_dir: str | Path, video_root: str | Path | None = None) -> DataSpec:
    """The training data for `data`: a Valley JSON file as it is; captions (a folder's captions.csv/.jsonl, or
    such a file) imported into output_dir/finetune_data.json first. `video_root`: the folder the video paths in
    `data` are relative to (default: the folder of the JSON or captions file)."""
    data = Path(data)
    if data.is_dir():
        captions, folder = caption_file(data), data
    elif data.suffix.lower() == ".json":
        return DataSpec(str(data), video_root=None if video_root is None else str(video_root))
    elif data.suffix.lower() in (".csv", ".jsonl"):
        captions, folder = data, data.parent
    elif not data.exists():
        raise DataError(data, "no such file or folder")
    else:
        raise DataError(data, "expected a folder of clips, a captions .csv/.jsonl or a Valley .json file")
    imported = Path(output_dir) / IMPORTED_DATA
    result = import_captions(video_root or folder, captions, imported,
                             on_skip=lambda line: logger.warning("skipped %s", line))
    logger.info("imported %d clips into %s", result.records, imported)
    return DataSpec(str(imported))  # its video paths are relative to it


def caption_file(folder: Path) -> Path:
    """captions.csv, else captions.jsonl, else the folder's only .csv or .jsonl file."""
    named = [folder / name for name in CAPTION_FILES if (folder / name).is_file()]
    found = named[:1] or sorted([*folder.glob("*.csv"), *folder.glob("*.jsonl")])
    if not found:
        raise DataError(folder, f"has no {' or '.join(CAPTION_FILES)} (video,caption per clip)")
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise DataError(folder, f"has several caption files ({names}): name one with --data FILE")
    return found[0]


def finetune_config(
    data: DataSpec,
    output_dir: str | Path,
    base: str = "demo",
    epochs: float = 3.0,
    learning_rate: float = 2e-4,
    batch_size: int = 4,
    max_steps: int = -1,
    lora: bool = True,
    num_frames: int | None = None,
) -> TrainConfig:
    """`num_frames`: frames sampled per clip (default: the base's own sampling)."""
    return TrainConfig(
        stage="instruct",
        output_dir=str(output_dir),
        model=ModelSettings(base=base, sampling=None if num_frames is None else {"num_frames": num_frames}),
        data=[data],
        lora=LoraSettings(r=16, alpha=32, dropout=0.05) if lora else None,
        training=TrainingSettings(
            learning_rate=learning_rate,
            num_train_epochs=epochs,
            max_steps=max_steps,
            per_device_train_batch_size=batch_size,
            warmup_ratio=0.03,
            lr_scheduler_type="cosine",
            save_steps=100,
            save_total_limit=1,
            logging_steps=5,
        ),
    )


def finetune(data: str | Path, output_dir: str | Path, base: str = "demo", video_root: str | Path | None = None,
             **settings) -> TrainResult:
    """Import `data` if needed, then LoRA-train `base` on it into output_dir; `video_root`: see prepare_data;
    `settings`: finetune_config's."""
    check_model(base)  # a bad base is one line before the clips are imported
    spec = prepare_data(data, output_dir, video_root)
    return train(finetune_config(spec, output_dir, base, **settings))


__all__ = ["finetune", "finetune_config", "prepare_data"]
