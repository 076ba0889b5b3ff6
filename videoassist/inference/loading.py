"""Model names → a loaded model and processor: a local checkpoint folder or a Hugging Face hub id."""

from __future__ import annotations

from pathlib import Path

from ..errors import ModelError
from ..models.videoassist import VideoAssistForCausalLM, VideoAssistProcessor


def load_model(name_or_path: str, dtype=None, device: str | None = None):
    """→ (model, processor). `demo` is the embedded default; a folder is a checkpoint; anything else a hub id."""
    if name_or_path == "demo":
        raise ModelError("demo: the embedded demo model is not built yet; pass --model DIR (a checkpoint folder)")
    path = Path(name_or_path)
    if path.exists() and not (path / "config.json").is_file():
        raise ModelError(f"{name_or_path}: not a checkpoint folder (no config.json)")
    try:
        model = VideoAssistForCausalLM.from_pretrained(name_or_path, dtype=dtype)
        processor = VideoAssistProcessor.from_pretrained(name_or_path, config=model.config)
    except (OSError, ValueError) as error:
        raise ModelError(f"{name_or_path}: cannot load the model ({str(error).splitlines()[0]})") from error
    if device:
        model.to(device)
    return model.eval(), processor
