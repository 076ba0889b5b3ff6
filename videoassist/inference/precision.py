"""The LLM's weight precision for answering: fp32, bf16, or int8 / int4 weights in PyTorch's packed CPU kernels.

Decoding one token at batch 1 reads every weight of the LLM once (Gemma 3 270M: 18 layers, and the 262,144 x 640
LM head tied to the embedding), so on a CPU its speed is the memory read rate over those bytes. Fewer bytes per
weight is the lever, and which kernel reads them fastest was measured, not assumed (docs/BENCHMARKS.md, issue 16):
`torch._weight_int8pack_mm` (int8, one scale per output channel) and `aten._weight_int4pack_mm_for_cpu` (int4,
a scale and a zero per group of 64 inputs), both with bf16 activations, beat fp32 MKL, bf16 and torchao's eager
int8 layouts on AMD and Intel alike. `PackedLinear` holds one linear layer's packed weight; `apply_precision`
swaps every linear layer of the LLM and its LM head for one, once, at load. A tied LM head (Gemma's) is packed
from a copy: the input embedding keeps its own full-precision table, only one row of which a token reads.

`auto` picks by what the machine runs: on a CPU int8 where its kernel works here (probed once with a tiny
product), else int4, else bf16; on an accelerator the checkpoint's own dtype. int8 before int4: int8 kept fp32's
answers and greedy tokens, int4 changed one answer in 46 and its layers collapsed when another process held a core
(docs/BENCHMARKS.md, issue 16).
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from ..errors import VideoAssistError
from ..precisions import PRECISIONS

FLOAT_DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16}
GROUP_SIZES = (64, 32)  # int4: the largest that divides a layer's inputs (the kernel packs groups of these)
INT4_OUT_MULTIPLE = 16  # int4: the kernel packs outputs in blocks of 16


def _int8_pack(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """[out, in] float → int8 weights and one bf16 scale per output channel (symmetric, max-abs)."""
    weight = weight.float()
    scales = (weight.abs().amax(dim=1) / 127).clamp(min=1e-8)
    quantized = torch.round(weight / scales[:, None]).clamp(-127, 127).to(torch.int8)
    return quantized, scales.to(torch.bfloat16)


def _int4_pack(weight: torch.Tensor, group_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """[out, in] float → the CPU int4 kernel's packed weight and its [in / group, out, 2] bf16 scales and zeros.
    Per group, asymmetric over [min, max]: w ≈ (q - 8) · scale + zero, q in 0..15, as the kernel computes it."""
    out_features, in_features = weight.shape
    groups = weight.float().reshape(out_features, in_features // group_size, group_size)
    low, high = groups.amin(dim=-1, keepdim=True), groups.amax(dim=-1, keepdim=True)
    scales = ((high - low) / 15).clamp(min=1e-8)
    quantized = torch.round((groups - low) / scales).clamp(0, 15).to(torch.int32).reshape(out_features, in_features)
    zeros = low + 8 * scales
    scales_and_zeros = torch.stack([scales.squeeze(-1).t(), zeros.squeeze(-1).t()], dim=-1)
    packed = torch.ops.aten._convert_weight_to_int4pack_for_cpu(quantized.contiguous(), 1)
    return packed, scales_and_zeros.contiguous().to(torch.bfloat16)


def int4_group_size(linear: nn.Linear) -> int | None:
    """The int4 group size for `linear`'s shape, None when the int4 kernel cannot pack it."""
    if linear.out_features % INT4_OUT_MULTIPLE:
        return None
    return next((size for size in GROUP_SIZES if linear.in_features % size == 0), None)


class PackedLinear(nn.Module):
    """A linear layer's weight in int8 or int4, multiplied by PyTorch's packed CPU kernels with bf16 activations;
    the output comes back in the input's dtype. Built from an nn.Linear (its weight is copied, never shared)."""

    def __init__(self, linear: nn.Linear, bits: int):
        super().__init__()
        self.in_features, self.out_features, self.bits = linear.in_features, linear.out_features, bits
        weight = linear.weight.detach()
        if bits == 8:
            packed, scales = _int8_pack(weight)
            self.group_size = None
        elif bits == 4:
            self.group_size = int4_group_size(linear)
            if self.group_size is None:
                raise ValueError(f"int4 needs inputs in groups of {GROUP_SIZES} and outputs in multiples of "
                                 f"{INT4_OUT_MULTIPLE}, this layer is {self.in_features} → {self.out_features}")
            packed, scales = _int4_pack(weight, self.group_size)
        else:
            raise ValueError(f"bits must be 8 or 4, got {bits}")
        self.register_buffer("packed", packed)
        self.register_buffer("scales", scales)
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features).to(torch.bfloat16)
        if self.bits == 8:
            out = torch._weight_int8pack_mm(flat, self.packed, self.scales)
        else:
            out = torch.ops.aten._weight_int4pack_mm_for_cpu(flat, self.packed, self.group_size, self.scales)
        out = out.to(x.dtype).reshape(*x.shape[:-1], self.out_features)
        return out if self.bias is None else out + self.bias.to(x.dtype)

    def extra_repr(self) -> str:
        group = f", group_size={self.group_size}" if self.group_size else ""
        return f"in_features={self.in_features}, out_features={self.out_features}, bits={self.bits}{group}"


@functools.cache
def packed_kernel_works(bits: int) -> bool:
    """Whether this CPU runs the packed int`bits` kernel and gets the right product (a 64 x 64 probe, once)."""
    generator = torch.Generator().manual_seed(0)
    linear = nn.Linear(64, 64, bias=False)
    with torch.no_grad():
        linear.weight.copy_(torch.randn(64, 64, generator=generator))
        x = torch.randn(2, 64, generator=generator)
        try:
            got = PackedLinear(linear, bits)(x)
        except (RuntimeError, NotImplementedError):
            return False
        expected = linear(x)
    return bool(torch.isfinite(got).all()) and float((got - expected).norm() / expected.norm()) < 0.2


def resolve_precision(precision: str, device: torch.device | str) -> str | None:
    """`precision` (one of PRECISIONS) → the concrete one for `device`; None = the checkpoint's dtype as loaded
    (`auto` off the CPU). A one-line error for a name not in PRECISIONS or low bits off the CPU."""
    if precision not in PRECISIONS:
        raise VideoAssistError(f"--precision: unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    on_cpu = torch.device(device).type == "cpu"
    if precision == "auto":
        if not on_cpu:
            return None
        return next((name for name, bits in (("int8", 8), ("int4", 4)) if packed_kernel_works(bits)), "bf16")
    if precision in ("int8", "int4") and not on_cpu:
        raise VideoAssistError(f"--precision {precision}: the packed low-bit kernels run on the CPU only; "
                               f"use fp32, bf16 or auto on {device}")
    return precision


def pack_linears(module: nn.Module, bits: int) -> int:
    """Replace every nn.Linear under `module` by a PackedLinear of `bits`, in place (int4: a layer whose inputs
    int4 cannot pack gets int8). → how many were replaced."""
    targets = [(name, child) for name, child in module.named_modules() if type(child) is nn.Linear]
    for name, linear in targets:
        layer_bits = 8 if bits == 4 and int4_group_size(linear) is None else bits
        module.set_submodule(name, PackedLinear(linear, layer_bits))
    return len(targets)


def apply_precision(precision: str | None, model: nn.Module, decoder: nn.Module, head_owner: nn.Module) -> None:
    """Set the LLM's precision in place. fp32 / bf16: `model` is cast (its parts pass tensors to each other, so
    they share one dtype). int8 / int4: the linear layers of `decoder` (the LLM's layers) and a copy of the LM
    head (`head_owner`'s get/set_output_embeddings; a tied embedding keeps its table) are packed, the rest of
    `model` keeping its dtype. None: left as loaded."""
    if precision is None:
        return
    if precision in FLOAT_DTYPES:
        model.to(FLOAT_DTYPES[precision])
        return
    bits = 4 if precision == "int4" else 8
    head = head_owner.get_output_embeddings()
    with torch.no_grad():
        packed_head = PackedLinear(head, 4 if bits == 4 and int4_group_size(head) else 8)
        pack_linears(decoder, bits)
    head_owner.set_output_embeddings(packed_head)


__all__ = ["PackedLinear", "apply_precision", "pack_linears", "packed_kernel_works",
           "resolve_precision"]
