"""Writing converted weights as a standard Hugging Face model folder (config.json + safetensors shards), checked
against the model class first, without building the model in memory (a 7B LLM would need 28 GB in fp32)."""

from __future__ import annotations

from pathlib import Path

import torch
from huggingface_hub import save_torch_state_dict
from transformers import PretrainedConfig, PreTrainedModel

from ..errors import ModelError


def write_hf_model(model_class: type[PreTrainedModel], config: PretrainedConfig, state: dict[str, torch.Tensor],
                   folder: Path, source: Path) -> None:
    """`state` must hold exactly the model's weights with their shapes (non-persistent buffers excepted)."""
    with torch.device("meta"):
        expected = {k: tuple(v.shape) for k, v in model_class(config).state_dict().items()}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = [k for k in state if k in expected and tuple(state[k].shape) != expected[k]]
    if missing or unexpected or wrong:
        detail = (f"missing {missing[:3]}" if missing else f"unexpected {unexpected[:3]}" if unexpected
                  else f"{wrong[0]} is {list(state[wrong[0]].shape)}, {model_class.__name__} needs "
                  f"{list(expected[wrong[0]])}")
        raise ModelError(f"{source}: weights do not make a {model_class.__name__} ({detail})")
    folder.mkdir(parents=True, exist_ok=True)
    config.save_pretrained(folder)
    save_torch_state_dict({k: v.contiguous() for k, v in state.items()}, folder, max_shard_size="5GB")
