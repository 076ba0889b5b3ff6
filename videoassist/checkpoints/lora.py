"""LoRA adapters in checkpoints, through PEFT: save them beside a checkpoint, attach them again, fold them in.

Only `model.language_model` is wrapped (a `PeftModelForCausalLM`); the token builder, projector and query encoder
stay ordinary modules of the VideoAssist model and are saved in its own weights file. The adapter lives in the
checkpoint's `llm_adapter/` folder as PEFT writes it (adapter_config.json + adapter_model.safetensors), so a LoRA
checkpoint stays megabytes and any PEFT tool can read it. Adding fresh adapters for training is
`videoassist.training.lora`.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file

ADAPTER_DIR = "llm_adapter"
ADAPTER_WEIGHTS = "adapter_model.safetensors"
LORA_MARKER = "lora_"  # in the names of PEFT's LoRA parameters (lora_A, lora_B, lora_embedding_…)


def has_lora(model) -> bool:
    return hasattr(model.language_model, "peft_config")


def adapter_folder(checkpoint: str | Path) -> Path:
    return Path(checkpoint) / ADAPTER_DIR


def attach_saved_adapter(model, checkpoint: str | Path) -> bool:
    """Apply the LoRA adapter saved in `checkpoint` (if it has one) to the model's LLM. → whether it had one."""
    folder = adapter_folder(checkpoint)
    if not (folder / "adapter_config.json").is_file():
        return False
    from peft import PeftModel

    model.language_model = PeftModel.from_pretrained(model.language_model, folder)
    return True


def save_adapter(model, checkpoint: str | Path, state_dict: dict[str, torch.Tensor] | None = None) -> None:
    """Write the LLM's adapter into `checkpoint/llm_adapter` (safetensors). `state_dict`: the whole model's
    (gathered under DeepSpeed ZeRO-3), else the live weights are used."""
    llm_state = None
    if state_dict is not None:
        prefix = "language_model."
        llm_state = {k[len(prefix) :]: v for k, v in state_dict.items() if k.startswith(prefix)}
    model.language_model.save_pretrained(
        adapter_folder(checkpoint), state_dict=llm_state, save_embedding_layers=False, safe_serialization=True
    )


def load_adapter_weights(model, checkpoint: str | Path) -> None:
    """Put the adapter weights saved in `checkpoint` into the model's (already wrapped) LLM: resuming."""
    from peft import set_peft_model_state_dict

    result = set_peft_model_state_dict(model.language_model, load_file(adapter_folder(checkpoint) / ADAPTER_WEIGHTS))
    if result.unexpected_keys:
        raise ValueError(f"{checkpoint}: adapter weights do not fit the model ({result.unexpected_keys[:3]})")


def merge_lora(model) -> None:
    """Fold the adapters into the LLM's weights (W + B·A·alpha/r) and drop the PEFT wrapper."""
    model.language_model = model.language_model.merge_and_unload()


__all__ = [
    "ADAPTER_DIR",
    "ADAPTER_WEIGHTS",
    "LORA_MARKER",
    "has_lora",
    "adapter_folder",
    "attach_saved_adapter",
    "save_adapter",
    "load_adapter_weights",
    "merge_lora",
]
