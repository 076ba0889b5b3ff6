"""The `demo` model at run time: its trained weights in the package, Gemma 3 270M from the cache.

The shipped folder (written by the recipe's `python -m recipes.demo release`) names its LLM by the bare name
of `gemma_folder()`, with no path of the machine that packaged it, and carries no tokenizer; `load_demo` puts the
converted Gemma folder back in as the LLM and its tokenizer. A frozen ImageNet vision tower is referenced the same
way, by the bare name of `imagenet_tower_folder()`, and put back by `load_demo` (converted on first use). Nothing
here imports the recipe that trained it.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ModelError
from ..models.videoassist import VideoAssistConfig, VideoAssistForCausalLM, VideoAssistProcessor, video_tokenizer
from .check import DEMO_NAME
from .gemma import GEMMA_FOLDER_NAME, gemma_folder
from .imagenet_tower import TOWER_FOLDER_NAME, imagenet_tower_folder
from .lora import attach_saved_adapter

DEMO_MODEL = Path(__file__).resolve().parent.parent / "demo" / "weights" / "model"


def load_demo(folder: Path = DEMO_MODEL, llm: Path | None = None, dtype=None):
    """→ (model, processor) of the shipped demo on the LLM folder `llm` (default: Gemma, converted from its
    GGUF first if this machine has not yet), and on the ImageNet tower in the cache where the folder names it."""
    if not (folder / "config.json").is_file():
        raise ModelError(f"demo: the demo model is not in this installation yet ({folder} has no config.json); "
                         "pass --model DIR (a checkpoint folder)")
    llm = llm or gemma_folder()
    config = VideoAssistConfig.from_pretrained(folder)
    config.llm_name_or_path = str(llm)
    if config.vision_name_or_path == TOWER_FOLDER_NAME:
        config.vision_name_or_path = str(imagenet_tower_folder())
    tokenizer = video_tokenizer(str(llm), config.video_token)
    if tokenizer.convert_tokens_to_ids(config.video_token) != config.video_token_id:
        raise ModelError(f"{llm}: its tokenizer does not give {config.video_token} the demo's id")
    model = VideoAssistForCausalLM.from_pretrained(folder, config=config, dtype=dtype)
    attach_saved_adapter(model, folder)
    return model.eval(), VideoAssistProcessor.from_pretrained(folder, config=config, tokenizer=tokenizer)


def is_packaged_demo(folder: Path) -> bool:
    """Whether `folder` is a demo folder as the recipe packages it for Gemma: its LLM named by the bare name of
    `gemma_folder()`, which only `load_demo` resolves (from_pretrained would look for it on the hub)."""
    config = folder / "config.json"
    return config.is_file() and json.loads(config.read_text()).get("llm_name_or_path") == GEMMA_FOLDER_NAME


__all__ = ["DEMO_NAME", "DEMO_MODEL", "load_demo", "is_packaged_demo"]
