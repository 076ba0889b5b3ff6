"""What trains in each stage.

- `pretrain` (stage 1, alignment): vision tower and LLM frozen; the token builder, query encoder and projector
  (`model.trained_modules()`) train — all of them, Valley's v2/v3 temporal modules included (Valley's own code
  froze those in stage 1 by mistake).
- `instruct` (stage 2): the same modules and the LLM: in full (`config.freeze_llm = False`, so checkpoints store
  the LLM) or through LoRA adapters on its linear layers (the base LLM stays frozen).
A vision tower configured with `freeze_vision: false` trains in both stages.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from ..checkpoints.lora import LORA_MARKER, has_lora, merge_lora
from .config import LoraSettings
from .lora import add_lora, enable_adapter_training

logger = logging.getLogger(__name__)


def prepare_for_stage(model, stage: str, lora: LoraSettings | None = None) -> None:
    model.requires_grad_(False)
    if not model.config.freeze_vision:
        model.vision_tower.requires_grad_(True)
    for module in model.trained_modules().values():
        module.requires_grad_(True)
    if stage == "pretrain":
        return
    if lora is None:
        if has_lora(model):  # the base's adapter becomes part of the LLM that now trains in full
            merge_lora(model)
        model.language_model.requires_grad_(True)
        model.config.freeze_llm = False
    elif has_lora(model):
        enable_adapter_training(model)
        logger.info("the base checkpoint has a LoRA adapter: training it further (its own r and alpha)")
    else:
        add_lora(model, lora.r, lora.alpha, lora.dropout, lora.target_modules)


def parameter_counts(model) -> dict[str, tuple[int, int]]:
    """(trainable, total) parameters per top-level module, LoRA adapters apart."""
    counts = defaultdict(lambda: [0, 0])
    for name, param in model.named_parameters():
        group = "lora_adapters" if LORA_MARKER in name else name.split(".")[0]
        size = getattr(param, "ds_numel", param.numel())  # a parameter DeepSpeed ZeRO-3 has partitioned
        counts[group][0] += size if param.requires_grad else 0
        counts[group][1] += size
    return {group: (trainable, total) for group, (trainable, total) in counts.items()}


def parameter_table(model) -> str:
    counts = parameter_counts(model)
    rows = [f"{'module':<16}{'trainable':>14}{'total':>14}"]
    rows += [f"{group:<16}{trainable:>14,}{total:>14,}" for group, (trainable, total) in counts.items()]
    trainable, total = (sum(c[i] for c in counts.values()) for i in (0, 1))
    rows.append(f"{'all':<16}{trainable:>14,}{total:>14,}  ({100 * trainable / max(total, 1):.2f}% trainable)")
    return "\n".join(rows)


__all__ = ["prepare_for_stage", "parameter_counts", "parameter_table"]
