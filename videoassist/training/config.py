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
import difflib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

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


# ---- YAML → dataclasses --------------------------------------------------------------------------------------


def load_config(path: str | Path, overrides: list[str] | tuple[str, ...] = ()) -> TrainConfig:
    """Read a YAML training config; `overrides` are "dotted.key=value" strings (the value is YAML)."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "no such file") from None
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(path, f"cannot be read as YAML ({str(error).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise ConfigError(path, "must be a mapping of settings (stage, output_dir, model, data, …)")
    for override in overrides:
        apply_override(raw, override, path)
    return config_from_dict(raw, path)


def apply_override(raw: dict, override: str, path) -> None:
    key, sep, value = override.partition("=")
    if not sep or not key:
        raise ConfigError(path, f"--set {override!r}: expected KEY=VALUE, e.g. training.max_steps=10")
    *parents, last = key.split(".")
    node = raw
    try:
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
            if not isinstance(node, (dict, list)):
                raise ConfigError(path, f"--set {key}: {part} is not a section")
        node[int(last) if isinstance(node, list) else last] = yaml.safe_load(value)
    except (ValueError, IndexError) as error:  # a list index that is not a number, or past the end
        raise ConfigError(path, f"--set {key}: no such entry ({error})") from None


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
        "model": _build(ModelSettings, model, "model", path, extra_allowed=ARCHITECTURE_FIELDS),
        "data": [_build(DataSpec, entry, f"data[{i}]", path) for i, entry in enumerate(data)],
        "lora": None if raw.get("lora") is None else _build(LoraSettings, raw["lora"], "lora", path),
        "training": _build(TrainingSettings, raw.get("training") or {}, "training", path),
    }
    return _build(TrainConfig, settings, "", path)


def _build(cls, values, where: str, path, extra_allowed=()):
    """`cls(**values)` with the values checked against the field types; ConfigError names the key."""
    prefix = f"{where}." if where else ""
    if not isinstance(values, dict):
        raise ConfigError(path, f"{where or 'config'}: must be a mapping, got {values!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    for key in values:
        if key not in fields:
            known = [*fields, *extra_allowed]
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(known)})"
            raise ConfigError(path, f"unknown key {prefix}{key}{hint}")
    required = [n for n, f in fields.items() if f.default is f.default_factory is dataclasses.MISSING]
    missing = [n for n in required if n not in values]
    if missing:
        raise ConfigError(path, f"missing key {prefix}{missing[0]}")
    checked = {}
    for key, value in values.items():
        if dataclasses.is_dataclass(value) or (isinstance(value, list) and any(map(dataclasses.is_dataclass, value))):
            checked[key] = value  # a section built already
            continue
        try:
            checked[key] = _coerce(value, hints[key])
        except (TypeError, ValueError):
            raise ConfigError(path, f"{prefix}{key}: expected {_type_name(hints[key])}, got {value!r}") from None
    try:
        return cls(**checked)
    except (TypeError, ValueError) as error:
        raise ConfigError(path, f"{where or 'config'}: {error}") from None


def _coerce(value, hint):
    """The value as `hint` wants it. YAML reads `1e-3` as a string (YAML 1.1 floats need a dot): accept it."""
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None:
        if type(None) in options:
            return None
        raise TypeError
    for option in options:
        origin = typing.get_origin(option) or option
        if origin is bool and isinstance(value, bool):
            return value
        if origin is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if origin is float and not isinstance(value, bool):
            if isinstance(value, (int, float)):
                return float(value)
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    continue
        if origin is str and isinstance(value, str):
            return value
        if origin is list and isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        if origin is dict and isinstance(value, dict):
            return value
    raise TypeError


def _type_name(hint) -> str:
    name = hint.__name__ if isinstance(hint, type) else str(hint)
    return name.replace("typing.", "").replace("NoneType", "null")


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
