"""Loading the frozen base models a VideoAssist checkpoint refers to: a vision tower and a causal LLM."""

from __future__ import annotations

from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, PretrainedConfig, PreTrainedModel


def vision_config_of(config: PretrainedConfig) -> PretrainedConfig:
    """The vision part of a config: CLIP and SigLIP checkpoints hold a text tower too."""
    return getattr(config, "vision_config", None) or config


def load_vision_model(name_or_path: str, config: PretrainedConfig | None = None, dtype=None) -> PreTrainedModel:
    config = config or vision_config_of(AutoConfig.from_pretrained(name_or_path))
    model_class = AutoModel._model_mapping[type(config)]  # e.g. CLIPVisionModel for clip_vision_model
    return model_class.from_pretrained(name_or_path, config=config, dtype=dtype)


def load_language_model(name_or_path: str, config: PretrainedConfig | None = None, dtype=None) -> PreTrainedModel:
    kwargs = {"config": config} if config is not None else {}
    return AutoModelForCausalLM.from_pretrained(name_or_path, dtype=dtype, **kwargs)
