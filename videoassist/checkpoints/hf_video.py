"""transformers' own video LLMs (LLaVA-OneVision, Qwen2/2.5/3-VL, SmolVLM, LLaVA-NeXT-Video, Video-LLaVA, InternVL)
as a model source: a folder or hub id whose config.json names one of `HF_VIDEO_MODEL_TYPES` loads with
`AutoModelForImageTextToText` and `AutoProcessor`, as its model card shows, never with remote code. A folder of a LoRA adapter on one (`videoassist finetune --base
HUB_ID` writes it: PEFT's adapter_config.json naming the base, the processor's files) loads that base and folds the
adapter into its weights.

Their video processors need torchvision (and SmolVLM's processor num2words): without them the model cannot take a
video, so loading stops with one line saying what to install (`pip install "videoassist[hf]"`).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ..errors import ModelError, one_line
from .check import HF_VIDEO_MODEL_TYPES, adapter_base, model_type_of
from .registry import ModelSource

# Packages a model type's processor imports beyond torchvision.
PROCESSOR_PACKAGES = {"smolvlm": ("num2words",)}


class HFVideoModel(ModelSource):
    """A folder or hub id of one of transformers' video-capable image-text-to-text models."""

    def matches(self, name: str) -> bool:
        return model_type_of(name) in HF_VIDEO_MODEL_TYPES

    def load(self, name: str, dtype=None, device: str | None = None):
        require_processor_packages(name, model_type_of(name))
        from safetensors import SafetensorError
        from transformers import AutoModelForImageTextToText, AutoProcessor

        try:
            processor = AutoProcessor.from_pretrained(name)
            on_accelerator = device is not None and device != "cpu"  # then the checkpoint's dtype, else float32
            dtype = dtype or ("auto" if on_accelerator else None)
            base = adapter_base(Path(name)) if Path(name).is_dir() else None
            model = AutoModelForImageTextToText.from_pretrained(base or name, dtype=dtype)
            if base is not None:
                from peft import PeftModel

                model = PeftModel.from_pretrained(model, name).merge_and_unload()
        except (OSError, ValueError, ImportError, SafetensorError) as error:
            raise ModelError(f"{name}: cannot load the model ({one_line(str(error).splitlines()[0])})") from error
        return self.ready(model, device), processor


def require_processor_packages(name: str, model_type: str) -> None:
    for package in ("torchvision", *PROCESSOR_PACKAGES.get(model_type, ())):
        try:
            importlib.import_module(package)
        except Exception as error:  # also a torchvision built for another torch, which fails on import
            raise ModelError(
                f"{name}: a {model_type} model needs transformers' video processors, which need {package} "
                f"({one_line(error)}): pip install {package} (or pip install \"videoassist[hf]\")"
            ) from None


__all__ = ["HFVideoModel"]
