"""Whether a model name can be loaded, checked before anything heavy is imported: a checkpoint folder's config.json
and the headers of its safetensors files, or a hub id's config.json. No torch: `videoassist app` refuses a bad
--model before it starts its server, and every command names the broken file in one line instead of failing inside
a loader with a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import ModelError, one_line

DEMO_NAME = "demo"  # the model that ships in the package (demo.py): nothing to check
CONFIG_NAME = "config.json"
# The checkpoint's own weights (model.safetensors or its shards) and a PEFT adapter's (llm_adapter/).
WEIGHTS_PATTERNS = ("*.safetensors", "*/adapter_model.safetensors")


def check_model(name: str) -> None:
    """ModelError (one line naming the folder or file and the problem) unless `name` looks loadable: `demo`, a
    checkpoint folder whose config.json is a JSON object and whose safetensors files are whole, or a hub id
    whose config.json can be fetched (or is cached)."""
    if name == DEMO_NAME:
        return
    path = Path(name)
    if path.exists():
        check_checkpoint_folder(path)
    else:
        check_hub_model(name)


def check_checkpoint_folder(folder: Path) -> None:
    config = folder / CONFIG_NAME
    if not config.is_file():
        raise ModelError(f"{folder}: not a checkpoint folder (no {CONFIG_NAME})")
    try:
        settings = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"{config}: cannot be read as JSON ({one_line(error)})") from None
    if not isinstance(settings, dict):
        raise ModelError(f"{config}: is not a JSON object")
    from safetensors import SafetensorError, safe_open

    for weights in sorted(w for pattern in WEIGHTS_PATTERNS for w in folder.glob(pattern)):
        try:
            with safe_open(weights, framework="numpy"):  # reads and checks the header: a cut file fails here
                pass
        except (OSError, SafetensorError) as error:
            raise ModelError(f"{weights}: cannot be read as safetensors ({one_line(error)})") from None


def check_hub_model(name: str) -> None:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, HFValidationError

    try:
        hf_hub_download(name, CONFIG_NAME)  # the loader needs it next: it stays in the hub's cache
    except HFValidationError:
        raise ModelError(f"{name}: no such folder") from None
    except (OSError, EntryNotFoundError) as error:
        problem = one_line(str(error).splitlines()[0] if str(error) else type(error).__name__)
        raise ModelError(f"{name}: no such folder, and not found on the Hugging Face hub ({problem})") from None
