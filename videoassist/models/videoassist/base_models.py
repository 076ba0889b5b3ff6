"""Loading the frozen base models a VideoAssist checkpoint refers to: a vision tower and a causal LLM."""

from __future__ import annotations

from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForImageClassification,
    PretrainedConfig,
    PreTrainedModel,
)


def vision_config_of(config: PretrainedConfig) -> PretrainedConfig:
    """The vision part of a config: CLIP and SigLIP checkpoints hold a text tower too."""
    return getattr(config, "vision_config", None) or config


def vision_model_class(config: PretrainedConfig) -> type[PreTrainedModel]:
    """The class a vision tower is loaded as: AutoModel's (e.g. CLIPVisionModel for clip_vision_model), or its
    image-classification class when the checkpoint is a classifier (its config's `architectures` names one), so the
    tower keeps its class logits (VisionFeatures.class_logits)."""
    classifiers = AutoModelForImageClassification._model_mapping
    architectures = getattr(config, "architectures", None) or []
    if type(config) in classifiers and any(name.endswith("ForImageClassification") for name in architectures):
        return classifiers[type(config)]
    return AutoModel._model_mapping[type(config)]


def load_vision_model(name_or_path: str, config: PretrainedConfig | None = None, dtype=None) -> PreTrainedModel:
    config = config or vision_config_of(AutoConfig.from_pretrained(name_or_path))
    return vision_model_class(config).from_pretrained(name_or_path, config=config, dtype=dtype)


def load_language_model(name_or_path: str, config: PretrainedConfig | None = None, dtype=None) -> PreTrainedModel:
    kwargs = {"config": config} if config is not None else {}
    return AutoModelForCausalLM.from_pretrained(name_or_path, dtype=dtype, **kwargs)
