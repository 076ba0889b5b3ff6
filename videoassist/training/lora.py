"""LoRA for training: fresh adapters on the LLM through PEFT, or a saved adapter made trainable again.

Saving, attaching and merging adapters belong to checkpoints (`videoassist.checkpoints.lora`), which inference
uses without the trainer.
"""

from __future__ import annotations

from ..checkpoints.lora import LORA_MARKER


def add_lora(model, r: int, alpha: int, dropout: float, target_modules: str | list[str]) -> None:
    """Wrap the LLM with fresh LoRA adapters; only the adapters of the LLM train from now on."""
    from peft import LoraConfig, get_peft_model

    config = LoraConfig(
        r=r, lora_alpha=alpha, lora_dropout=dropout, target_modules=target_modules, task_type="CAUSAL_LM"
    )
    model.language_model = get_peft_model(model.language_model, config)


def enable_adapter_training(model) -> int:
    """Make the existing adapter's parameters trainable (fine-tuning a LoRA checkpoint further). → how many."""
    params = [p for name, p in model.language_model.named_parameters() if LORA_MARKER in name]
    for param in params:
        param.requires_grad_(True)
    return len(params)


__all__ = ["add_lora", "enable_adapter_training"]
