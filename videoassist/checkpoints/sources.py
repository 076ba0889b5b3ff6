"""Model names → a loaded (model, processor): `load_model` asks the registered sources (registry.py) in turn, and
the first that matches the name loads it.

Registered here, in the order they are asked: `demo` (the shipped model), a folder packaged as the demo is (its
LLM is the cached Gemma), a folder or hub id of one of transformers' own video LLMs (hf_video.py), a checkpoint
folder of ours, and a hub id of ours. A checkpoint trained with LoRA keeps its PEFT adapter in `llm_adapter/`
beside its own weights; it is applied to the LLM on loading (`videoassist merge` folds it in for good).
"""

from __future__ import annotations

from pathlib import Path

from safetensors import SafetensorError

from ..errors import ModelError
from ..models.videoassist import VideoAssistForCausalLM, VideoAssistProcessor
from .check import CONFIG_NAME, check_checkpoint_files, check_hub_model, check_model_type, read_config
from .demo import DEMO_NAME, is_packaged_demo, load_demo
from .hf_video import HFVideoModel
from .lora import attach_saved_adapter
from .registry import ModelSource, register_source, registered_sources


def load_model(name_or_path: str, dtype=None, device: str | None = None):
    """→ (model, processor) for a model name: `demo`, a checkpoint folder, a hub id, or any registered source's.
    A folder's config.json and safetensors headers are checked first, so a broken file is one line naming it."""
    if Path(name_or_path).exists():
        check_checkpoint_files(Path(name_or_path))
    for source in registered_sources():
        if source.matches(name_or_path):
            return source.load(name_or_path, dtype=dtype, device=device)
    raise ModelError(f"{name_or_path}: no model source knows this name")


class DemoSource(ModelSource):
    """`demo`: the model that ships in the package (checkpoints/demo.py)."""

    def matches(self, name: str) -> bool:
        return name == DEMO_NAME

    def load(self, name: str, dtype=None, device: str | None = None):
        model, processor = load_demo(dtype=dtype)
        return self.ready(model, device), processor


class PackagedDemoFolder(ModelSource):
    """A folder packaged as the demo is: a copy of the shipped one, or one released by recipes/demo/train_demo.sh.
    Its config names Gemma without a path, which only the demo's loading resolves."""

    def matches(self, name: str) -> bool:
        return is_packaged_demo(Path(name))

    def load(self, name: str, dtype=None, device: str | None = None):
        model, processor = load_demo(Path(name), dtype=dtype)
        return self.ready(model, device), processor


class CheckpointFolder(ModelSource):
    """A local checkpoint folder of ours (config.json, safetensors weights, processor files, maybe an adapter)."""

    general = True

    def matches(self, name: str) -> bool:
        return Path(name).exists()

    def load(self, name: str, dtype=None, device: str | None = None):
        config = Path(name) / CONFIG_NAME
        check_model_type(read_config(config, config), name)  # asked last: no other source knows this type
        return _load_checkpoint(name, dtype, device)


class HubCheckpoint(ModelSource):
    """Any other name: a Hugging Face hub id of a checkpoint of ours (needs a network)."""

    general = True

    def matches(self, name: str) -> bool:
        return True

    def load(self, name: str, dtype=None, device: str | None = None):
        check_hub_model(name)
        return _load_checkpoint(name, dtype, device)


def _load_checkpoint(name: str, dtype, device: str | None):
    try:
        model = VideoAssistForCausalLM.from_pretrained(name, dtype=dtype)
        processor = VideoAssistProcessor.from_pretrained(name, config=model.config)
        attach_saved_adapter(model, name)
    except (OSError, ValueError, SafetensorError) as error:  # e.g. a referenced base model's files
        raise ModelError(f"{name}: cannot load the model ({str(error).splitlines()[0]})") from error
    return ModelSource.ready(model, device), processor


register_source(DemoSource())
register_source(PackagedDemoFolder())
register_source(HFVideoModel())
register_source(CheckpointFolder())
register_source(HubCheckpoint())

__all__ = ["load_model"]
