"""Whether a model name can be loaded, checked before anything heavy is imported: a checkpoint folder's config.json
and the headers of its safetensors files, or a hub id's config.json, of a model type we load. No torch:
`videoassist app` refuses a bad --model before it starts its server, and every command names the broken file in one
line instead of failing inside a loader with a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ModelError, one_line

DEMO_NAME = "demo"  # the model that ships in the package (demo.py): nothing to check
CONFIG_NAME = "config.json"
# A LoRA adapter of one of transformers' video LLMs (`videoassist finetune --base HUB_ID`): PEFT's config names
# the base, which transformers' from_pretrained loads before attaching the adapter.
ADAPTER_CONFIG = "adapter_config.json"
OUR_MODEL_TYPE = "videoassist"
# transformers' video-capable image-text-to-text models that `hf_video.HFVideoModel` loads (each tested on a tiny
# folder of videoassist.testing.save_tiny_hf_model).
HF_VIDEO_MODEL_TYPES = (
    "llava_onevision", "qwen2_vl", "qwen2_5_vl", "qwen3_vl", "smolvlm", "llava_next_video", "video_llava", "internvl",
)
# The checkpoint's own weights (model.safetensors or its shards) and a PEFT adapter's (llm_adapter/).
WEIGHTS_PATTERNS = ("*.safetensors", "*/adapter_model.safetensors")


def check_model(name: str) -> None:
    """ModelError (one line naming the folder or file and the problem) unless `name` looks loadable: `demo`, a
    checkpoint folder whose config.json is a JSON object and whose safetensors files are whole, or a hub id
    whose config.json can be fetched (or is cached); either of a model type we load; or a folder of a LoRA adapter
    on one of transformers' video LLMs (its base is checked)."""
    if name == DEMO_NAME:
        return
    path = Path(name)
    if path.exists():
        check_checkpoint_folder(path)
    else:
        check_hub_model(name)


def check_checkpoint_folder(folder: Path) -> None:
    """The folder's files (check_checkpoint_files), and a model type we load."""
    check_checkpoint_files(folder)
    if adapter_base(folder) is None:
        check_model_type(read_config(folder / CONFIG_NAME, folder / CONFIG_NAME), folder)


def check_checkpoint_files(folder: Path) -> None:
    """A config.json that is a JSON object (or an adapter config naming a loadable base) and whole safetensors
    files, whatever the model type: a source registered for another type is asked after this."""
    config = folder / CONFIG_NAME
    base = adapter_base(folder)
    if base is not None:
        check_model(base)
    elif not config.is_file():
        raise ModelError(f"{folder}: not a checkpoint folder (no {CONFIG_NAME})")
    else:
        read_config(config, config)
    from safetensors import SafetensorError, safe_open

    for weights in sorted(w for pattern in WEIGHTS_PATTERNS for w in folder.glob(pattern)):
        try:
            with safe_open(weights, framework="numpy"):  # reads and checks the header: a cut file fails here
                pass
        except (OSError, SafetensorError) as error:
            raise ModelError(f"{weights}: cannot be read as safetensors ({one_line(error)})") from None


def check_hub_model(name: str) -> None:
    check_model_type(read_config(hub_config_file(name), f"{name}: its {CONFIG_NAME}"), name)


def hub_config_file(name: str) -> Path:
    """The hub id's config.json, fetched into (or found in) the hub's cache, where the loader finds it next."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, HFValidationError

    try:
        return Path(hf_hub_download(name, CONFIG_NAME))
    except HFValidationError:
        raise ModelError(f"{name}: no such folder") from None
    except (OSError, EntryNotFoundError) as error:
        problem = one_line(str(error).splitlines()[0] if str(error) else type(error).__name__)
        raise ModelError(f"{name}: no such folder, and not found on the Hugging Face hub ({problem})") from None


def read_config(config: Path, where) -> dict:
    """A config.json as a dict; ModelError naming `where` when it is not a JSON object."""
    try:
        settings = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"{where}: cannot be read as JSON ({one_line(error)})") from None
    if not isinstance(settings, dict):
        raise ModelError(f"{where}: is not a JSON object")
    return settings


def adapter_base(folder: Path) -> str | None:
    """The base model named by the adapter config of a folder holding only a LoRA adapter (no config.json)."""
    adapter = folder / ADAPTER_CONFIG
    if (folder / CONFIG_NAME).is_file() or not adapter.is_file():
        return None
    base = read_config(adapter, adapter).get("base_model_name_or_path")
    if not isinstance(base, str) or not base:
        raise ModelError(f"{adapter}: names no base model (base_model_name_or_path)")
    return base


def model_type_of(name: str) -> str | None:
    """The model_type in the config of a folder or a hub id (an adapter folder: its base's); None when it has none
    or cannot be read (the checks above say why, in one line)."""
    path = Path(name)
    try:
        base = adapter_base(path) if path.is_dir() else None
        if base is not None:
            return model_type_of(base)
        config = path / CONFIG_NAME if path.exists() else hub_config_file(name)
        return read_config(config, name).get("model_type")
    except ModelError:
        return None


def check_model_type(settings: dict, name) -> None:
    """A config that names another kind of model (an image-only LLaVA, a text LLM) is refused by name; one without a
    model_type is left to the loader."""
    model_type = settings.get("model_type")
    supported = (OUR_MODEL_TYPE, *HF_VIDEO_MODEL_TYPES)
    if model_type is not None and model_type not in supported:
        raise ModelError(f"{name}: model_type {model_type!r} is not a video LLM videoassist loads "
                         f"(supported: {', '.join(supported)})")
