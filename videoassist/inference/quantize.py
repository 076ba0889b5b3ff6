"""An int8 LM head for CPU decoding: the one matrix every generated token reads in full.

Gemma 3 270M's head is its 262,144 x 640 embedding (671 MB in fp32, tied): 42-47% of each decode step on this
project's CPU. A dynamically quantised copy (int8 weights, fbgemm) reads a quarter of the bytes; the logits change
slightly, so it is opt-in (`--int8-lm-head`) and its effect on answers is measured, not assumed
(docs/BENCHMARKS.md). The input embedding keeps its own fp32 weight.
"""

from __future__ import annotations

import torch
from torch import nn


def quantize_lm_head(language_model: nn.Module) -> None:
    """Replace the LLM's output projection by an int8 dynamically quantised copy, in place (CPU inference only)."""
    head = language_model.get_output_embeddings()
    quantized = torch.ao.quantization.quantize_dynamic(nn.Sequential(head), {nn.Linear}, dtype=torch.qint8)[0]
    language_model.set_output_embeddings(quantized)
