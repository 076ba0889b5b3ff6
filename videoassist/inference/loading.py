"""Model names → a loaded model and processor: a local checkpoint folder or a Hugging Face hub id.

A checkpoint trained with LoRA keeps its PEFT adapter in `llm_adapter/` beside its own weights; it is applied
to the LLM on loading (`videoassist merge` folds it in for good).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ModelError
from ..models.videoassist import VideoAssistForCausalLM, VideoAssistProcessor
from ..training.lora import attach_saved_adapter


def load_model(name_or_path: str, dtype=None, device: str | None = None):
    """→ (model, processor). `demo` is the embedded default; a folder is a checkpoint; anything else a hub id."""
    if name_or_path == "demo":
        from ..demo.release import load_demo

        model, processor = load_demo(dtype=dtype)
        return model.to(device) if device else model, processor
    path = Path(name_or_path)
    if path.exists() and not (path / "config.json").is_file():
        raise ModelError(f"{name_or_path}: not a checkpoint folder (no config.json)")
    from ..demo.release import is_packaged_demo, load_demo

    if is_packaged_demo(path):  # a copy of the demo, or one released from the recipe: Gemma comes from the cache
        model, processor = load_demo(path, dtype=dtype)
        return model.to(device) if device else model, processor
    try:
        model = VideoAssistForCausalLM.from_pretrained(name_or_path, dtype=dtype)
        processor = VideoAssistProcessor.from_pretrained(name_or_path, config=model.config)
        attach_saved_adapter(model, name_or_path)
    except (OSError, ValueError) as error:
        raise ModelError(f"{name_or_path}: cannot load the model ({str(error).splitlines()[0]})") from error
    if device:
        model.to(device)
    return model.eval(), processor
