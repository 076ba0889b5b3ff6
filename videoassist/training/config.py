"""The training config: a YAML file read into a few dataclasses, with an error naming the file and the key.

    stage: pretrain                  # pretrain (stage 1, alignment) | instruct (stage 2)
    output_dir: runs/pretrain
    model:                           # either an existing checkpoint …
      base: runs/pretrain            #   folder, hub id or demo
    # … or two base models and the VideoAssistConfig fields of a new model:
    #   vision: openai/clip-vit-large-patch14
    #   llm: google/gemma-3-270m
    #   token_mode: llamavid
    #   token_builder_config: {content_pool: mean}    # the token builder's own settings
    #   sampling: {fps: 1, max_frames: 256}
    data:                            # videoassist.data.DataSpec fields
      - {path: data/pretrain.json, video_root: data/videos}
    lora: null                       # or {r: 16, alpha: 32, dropout: 0.05, target_modules: all-linear}
    training: {learning_rate: 1.0e-3, per_device_train_batch_size: 8, …}   # see TrainingSettings
    deepspeed: scripts/zero2.json    # or null

Relative paths are taken from the current directory (the repository root for the recipes in configs/).
Settings can be overridden from the command line: `--set training.max_steps=10` (the value is YAML).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from ..config_files import build_dataclass, read_yaml
from ..data import DataSpec
from ..errors import ConfigError
from ..models.videoassist import VideoAssistConfig
from ..models.videoassist.token_builders.legacy import LEGACY_KEYS
from ..video import SamplingConfig

STAGES = ("pretrain", "instruct")
# VideoAssistConfig fields a new model may set in `model:`; the rest come from the base models or the stage.
ARCHITECTURE_FIELDS = tuple(
    name
    for name in VideoAssistConfig.__annotations__
    if name
    not in {"vision_config", "text_config", "video_token_id", "vision_name_or_path", "llm_name_or_path", "freeze_llm"}
)


@dataclass
class ModelSettings:
    """Where the model comes from: an existing checkpoint (`base`), or `vision` + `llm` and the architecture."""

    base: str | None = None  # checkpoint folder, hub id or "demo"
    vision: str | None = None  # vision tower (hub id or folder) of a new model
    llm: str | None = None  # causal LLM (hub id or folder) of a new model
    sampling: dict | None = None  # frames per video, SamplingConfig fields: {num_frames: 8} or {fps: 1, …}
    architecture: dict = field(default_factory=dict)  # VideoAssistConfig fields, written flat under `model:`

    def __post_init__(self):
        if bool(self.base) == bool(self.vision or self.llm):
            raise ValueError("give either base (a checkpoint) or vision and llm (base models of a new model)")
        if not self.base and not (self.vision and self.llm):
            raise ValueError("a new model needs both vision and llm")
        if self.base and self.architecture:
            raise ValueError(f"{', '.join(self.architecture)}: set only for a new model (vision + llm), not base")
        for name, value in self.architecture.items():
            default = getattr(VideoAssistConfig, name)
            if default is not None and type(value) is not type(default):
                raise ValueError(f"{name}: expected {type(default).__name__}, got {value!r}")
        self.sampling_config()
        VideoAssistConfig(**self.architecture)  # validates token_mode, projector_type, token_builder_config, …

    def sampling_config(self) -> SamplingConfig | None:
        """`sampling` as a SamplingConfig; giving only fps (or only num_frames) means the other is unset."""
        if self.sampling is None:
            return None
        return SamplingConfig(**{"num_frames": None, "fps": None, **self.sampling})


@dataclass
class LoraSettings:
    """LoRA adapters on the LLM's linear layers (PEFT). Valley: r 16, alpha 32; LLaVA-1.5: r 128, alpha 256."""

    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: str | list[str] = "all-linear"  # PEFT's all linear layers but the output head, or names

    def __post_init__(self):
        if self.r < 1 or self.alpha <= 0 or not 0 <= self.dropout < 1:
            raise ValueError("needs r >= 1, alpha > 0 and 0 <= dropout < 1")


@dataclass
class TrainingSettings:
    """Optimisation and bookkeeping; the names are TrainingArguments' where there is one."""

    learning_rate: float = 1e-3
    num_train_epochs: float = 1.0
    max_steps: int = -1  # > 0: stop after this many optimizer steps (overrides num_train_epochs)
    per_device_train_batch_size: int = 8
    gradient_accumulation_steps: int = 1
    warmup_ratio: float = 0.03
    lr_scheduler_type: str = "cosine"
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    max_length: int | None = 2048  # tokens per sample; never cuts visual tokens (see VideoAssistCollator)
    gradient_checkpointing: bool = True
    bf16: bool = False  # fp32 otherwise (the CPU default)
    save_steps: int = 500
    save_total_limit: int | None = 2
    logging_steps: int = 10
    seed: int = 0
    dataloader_num_workers: int = 2
    report_to: str | list[str] = "none"  # "tensorboard", "wandb", … as TrainingArguments

    def __post_init__(self):
        if self.learning_rate <= 0 or self.per_device_train_batch_size < 1 or self.gradient_accumulation_steps < 1:
            raise ValueError("learning_rate, per_device_train_batch_size and gradient_accumulation_steps must be > 0")
        if self.max_steps <= 0 and self.num_train_epochs <= 0:
            raise ValueError("set num_train_epochs > 0 or max_steps > 0")
        if not 0 <= self.warmup_ratio < 1:
            raise ValueError(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if self.save_steps < 1 or self.logging_steps < 1:
            raise ValueError("save_steps and logging_steps must be >= 1")


@dataclass
class TrainConfig:
    stage: str
    output_dir: str
    model: ModelSettings
    data: list[DataSpec]
    lora: LoraSettings | None = None  # stage 2 only; None: full fine-tuning of the LLM
    training: TrainingSettings = field(default_factory=TrainingSettings)
    deepspeed: str | None = None  # a DeepSpeed JSON config (scripts/zero2.json, …)

    def __post_init__(self):
        if self.stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}, got {self.stage!r}")
        if self.stage == "pretrain" and self.lora is not None:
            raise ValueError("lora: stage 1 (pretrain) trains no LLM weights; set lora only for stage instruct")
        if not self.data:
            raise ValueError("data: give at least one dataset")


# ---- YAML → dataclasses (videoassist.config_files) -------------------------------------------------------------


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> TrainConfig:
    """Read a YAML training config; `overrides` are "dotted.key=value" strings (the value is YAML)."""
    return config_from_dict(read_yaml(path, overrides), path)


def config_from_dict(raw: dict, path="config") -> TrainConfig:
    if not isinstance(raw.get("model") or {}, dict):
        raise ConfigError(path, "model: must be a mapping")
    model = dict(raw.get("model") or {})
    if "architecture" in model:
        raise ConfigError(path, "unknown key model.architecture (write the VideoAssistConfig fields under model:)")
    moved = [key for key in model if key in LEGACY_KEYS]
    if moved:  # recipes written before token builders had their own settings
        raise ConfigError(path, f"model.{moved[0]}: a token builder setting; write it under model.token_builder_config")
    model_fields = {f.name for f in dataclasses.fields(ModelSettings)} - {"architecture"}
    architecture = {k: model.pop(k) for k in list(model) if k not in model_fields and k in ARCHITECTURE_FIELDS}
    model["architecture"] = architecture
    data = raw.get("data")
    if isinstance(data, dict):  # one dataset may be written without the list
        data = [data]
    if not isinstance(data, list):
        raise ConfigError(path, "data: must be a list of datasets ({path: …, video_root: …})")
    settings = {
        **raw,
        "model": build_dataclass(ModelSettings, model, path, "model", extra_allowed=ARCHITECTURE_FIELDS),
        "data": [build_dataclass(DataSpec, entry, path, f"data[{i}]") for i, entry in enumerate(data)],
        "training": raw.get("training") or {},
    }
    return build_dataclass(TrainConfig, settings, path)


def config_to_dict(config: TrainConfig) -> dict:
    """The config as YAML-ready data (saved beside the run), `model:` flat again as it is written."""
    data = dataclasses.asdict(config)
    data["model"] = {**data["model"], **data["model"].pop("architecture")}
    return data


__all__ = [
    "TrainConfig",
    "ModelSettings",
    "LoraSettings",
    "TrainingSettings",
    "load_config",
    "config_from_dict",
    "config_to_dict",
    "STAGES",
]
