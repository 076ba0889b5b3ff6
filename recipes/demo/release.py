"""Packaging the `demo` model: a trained checkpoint of the recipe → the folder that ships in the package.

A checkpoint of the recipe references Gemma by the path of this machine's converted folder and carries Gemma's
33 MB tokenizer. `package` keeps what was trained: the vision tower and the LoRA adapter (nearly all of it) in
bfloat16, the small token builder and projector in float32 (the read-out's class tracks and word mixtures are
what the answers hang on); it drops the tokenizer and the reference, adds Gemma's terms (the adapter is a Gemma
derivative) and, under `recipe/`, the records of how it was made: stage 2's training config and log, and the
stage-1 read-out's log. A vision tower that is the frozen ImageNet tower (referenced by its cache folder, or stored
with its weights unchanged: nothing trained in it) is not shipped either: the folder names it by the bare name of
`imagenet_tower_folder()`, as it names Gemma. The folder is loaded by videoassist.checkpoints.demo (`--model demo`).

    python -m recipes.demo release --checkpoint outputs/demo/instruct    # --out: default the package's demo folder
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch
import yaml
from safetensors.torch import load_file, save_file
from transformers.trainer import TRAINER_STATE_NAME

from videoassist.checkpoints.atomic import atomic_write
from videoassist.checkpoints.demo import DEMO_MODEL
from videoassist.checkpoints.gemma import GEMMA_TERMS, gemma_folder
from videoassist.checkpoints.imagenet_tower import TOWER_FOLDER_NAME, imagenet_tower_folder
from videoassist.checkpoints.lora import ADAPTER_WEIGHTS, adapter_folder
from videoassist.checkpoints.runs import RUN_CONFIG, last_complete_checkpoint
from videoassist.errors import ModelError, one_line
from videoassist.models.efficientnet_lite import EfficientNetLiteConfig

SETTINGS_FILES = ("generation_config.json", "processor_config.json")
FULL_PRECISION = ("token_builder.", "projector.")  # small, and what the visual tokens are made of
TOWER = "vision_tower."


def package(checkpoint: Path, out: Path, llm: Path) -> None:
    """Write the shippable demo folder `out` from a trained checkpoint on the LLM folder `llm` (its terms of use
    go along, where it has them); `out` appears, or is replaced, only once complete."""
    try:
        _package(checkpoint, out, llm)
    except (OSError, json.JSONDecodeError) as error:  # a file of the checkpoint missing or unreadable
        raise ModelError(f"{checkpoint}: cannot be packaged ({one_line(error)})") from error


def _package(checkpoint: Path, out: Path, llm: Path) -> None:
    config = json.loads((checkpoint / "config.json").read_text())
    stored = load_file(str(checkpoint / "model.safetensors"))
    imagenet_tower = _is_frozen_imagenet_tower(config, stored)
    if (config.get("vision_name_or_path") and not imagenet_tower) or not config.get("llm_name_or_path"):
        raise ModelError(f"{checkpoint}: not a demo checkpoint (the tower must be stored or the frozen ImageNet "
                         "tower, and Gemma referenced)")
    with atomic_write(out) as partial:
        adapter_folder(partial).mkdir(parents=True)
        # No path of this machine ships: the LLM is named by its folder's name, replaced by the folder on loading.
        config["llm_name_or_path"] = llm.name
        if imagenet_tower:
            config.update(vision_name_or_path=TOWER_FOLDER_NAME, freeze_vision=True)
            stored = {k: v for k, v in stored.items() if not k.startswith(TOWER)}
        for sub_config in ("text_config", "vision_config"):
            config[sub_config].pop("_name_or_path", None)
        (partial / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        for name in SETTINGS_FILES:
            if (checkpoint / name).is_file():
                shutil.copy2(checkpoint / name, partial / name)
        adapter = json.loads((adapter_folder(checkpoint) / "adapter_config.json").read_text())
        adapter["base_model_name_or_path"] = llm.name
        (adapter_folder(partial) / "adapter_config.json").write_text(json.dumps(adapter, indent=2) + "\n")
        _save_bfloat16(stored, partial / "model.safetensors")
        _save_bfloat16(load_file(str(adapter_folder(checkpoint) / ADAPTER_WEIGHTS)),
                       adapter_folder(partial) / ADAPTER_WEIGHTS)
        _copy_records(checkpoint, partial / "recipe")
        if (llm / GEMMA_TERMS).is_file():
            shutil.copy2(llm / GEMMA_TERMS, partial / GEMMA_TERMS)


def _is_frozen_imagenet_tower(config: dict, stored: dict) -> bool:
    """Whether the checkpoint's vision tower is the ImageNet tower with nothing trained in it: referenced (so
    frozen, not stored) by the converted folder, or stored with exactly the converted folder's weights."""
    tower = {k.removeprefix(f"{TOWER}model."): v for k, v in stored.items() if k.startswith(TOWER)}  # VisionTower.model
    if not tower:
        reference = config.get("vision_name_or_path")
        return bool(reference) and Path(reference).name == TOWER_FOLDER_NAME and config.get("freeze_vision", True)
    if config["vision_config"].get("model_type") != EfficientNetLiteConfig.model_type:
        return False
    imagenet = load_file(str(imagenet_tower_folder() / "model.safetensors"))
    return tower.keys() == imagenet.keys() and all(torch.equal(tower[k], imagenet[k]) for k in imagenet)


def _save_bfloat16(state: dict, target: Path) -> None:
    save_file({k: v.to(torch.bfloat16) if v.is_floating_point() and not k.startswith(FULL_PRECISION) else v
               for k, v in state.items()}, str(target))


def _copy_records(checkpoint: Path, records: Path) -> None:
    """Stage 2's training config and log (the last Trainer checkpoint's log history) and the stage-1 log of the
    model it started from, where they exist."""
    records.mkdir()
    config_file = checkpoint / RUN_CONFIG
    if not config_file.is_file():
        return
    shutil.copy2(config_file, records / "instruct.yaml")
    last = last_complete_checkpoint(checkpoint)
    if last is not None:
        history = json.loads((last / TRAINER_STATE_NAME).read_text())["log_history"]
        (records / "instruct_log.jsonl").write_text("".join(json.dumps(line) + "\n" for line in history))
    base = Path(yaml.safe_load(config_file.read_text())["model"]["base"])
    for name in ("readout_log.jsonl", "readout_metrics.json"):
        if (base / name).is_file():
            shutil.copy2(base / name, records / f"align_{name.removeprefix('readout_')}")


def register(subparsers) -> None:
    parser = subparsers.add_parser("release", help="package stage 2's checkpoint into the shipped demo folder",
                                   description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", type=Path, required=True, help="a trained checkpoint of the recipe")
    parser.add_argument("--out", type=Path, default=DEMO_MODEL, help=f"default: the package's {DEMO_MODEL.name}/")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    package(args.checkpoint, args.out, gemma_folder())
    size = sum(f.stat().st_size for f in args.out.rglob("*") if f.name.endswith(".safetensors"))
    print(f"{args.out}: {size / 1e6:.1f} MB of weights")
    return 0
