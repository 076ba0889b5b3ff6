"""Projector builder: vision width → LLM width, chosen by name (LLaVA's `linear` and `mlp2x_gelu`)."""

from torch import nn


def build_projector(projector_type: str, in_features: int, out_features: int) -> nn.Module:
    if projector_type == "linear":
        return nn.Linear(in_features, out_features)
    if projector_type == "mlp2x_gelu":
        return nn.Sequential(nn.Linear(in_features, out_features), nn.GELU(), nn.Linear(out_features, out_features))
    raise ValueError(f"unknown projector_type {projector_type!r}")
