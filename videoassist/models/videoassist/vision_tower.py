"""Vision tower: any Hugging Face vision model, reduced to one global token and a grid of patch tokens per frame.

The token builders never ask which kind of tower this is: a ViT with a CLS token gives that token as the global
one; a tower without one (SigLIP, SigLIP2) or a conv net (its feature map becomes the patch grid) gives the patch
mean. A tower that reads a sequence of flattened patches (SigLIP2's NaFlex: `pixel_attention_mask`,
`spatial_shapes` in its forward) gets the frames cut into patches here, as its own image processor cuts them.
A tower loaded as an image classifier (base_models.vision_model_class) also gives its class logits per frame.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import torch
from torch import nn
from transformers import PreTrainedModel


@dataclass
class VisionFeatures:
    """Features of the frames of one video (or of a batch of frames, before it is split into videos)."""

    global_tokens: torch.Tensor  # [T, D]
    patch_tokens: torch.Tensor  # [T, P, D], P = grid side²
    class_logits: torch.Tensor | None = None  # [T, classes], from a classifier tower (ImageNet's 1000); else None

    def split(self, frames_per_video: list[int]) -> list["VisionFeatures"]:
        logits = (self.class_logits.split(frames_per_video) if self.class_logits is not None
                  else [None] * len(frames_per_video))
        return [
            VisionFeatures(g, p, c)
            for g, p, c in zip(self.global_tokens.split(frames_per_video), self.patch_tokens.split(frames_per_video),
                               logits, strict=True)
        ]

    def to(self, *args, **kwargs) -> "VisionFeatures":
        logits = self.class_logits.to(*args, **kwargs) if self.class_logits is not None else None
        return VisionFeatures(self.global_tokens.to(*args, **kwargs), self.patch_tokens.to(*args, **kwargs), logits)


class VisionTower(nn.Module):
    """Wraps a vision `PreTrainedModel`; encodes all frames as one batch `[N, 3, H, W]`."""

    def __init__(self, model: PreTrainedModel, select_layer: int, frozen: bool):
        super().__init__()
        self.model = model
        self.select_layer = select_layer
        self.frozen = frozen
        self.reads_patch_sequences = "spatial_shapes" in inspect.signature(model.forward).parameters
        if frozen:
            self.model.requires_grad_(False)

    def train(self, mode: bool = True):
        super().train(mode)
        if self.frozen:  # a frozen tower stays in eval mode (no dropout, fixed norm statistics)
            self.model.eval()
        return self

    def model_inputs(self, pixel_values: torch.Tensor) -> dict[str, torch.Tensor]:
        """Frames [N, 3, H, W] as the tower reads them: as they are, or (NaFlex) as N sequences of patches, each
        flattened (row, column, channel) like SigLIP2's image processor does, all of them real (no padding)."""
        if not self.reads_patch_sequences:
            return {"pixel_values": pixel_values}
        n, channels, height, width = pixel_values.shape
        patch = self.model.config.patch_size
        rows, columns = height // patch, width // patch
        patches = pixel_values[..., : rows * patch, : columns * patch].reshape(n, channels, rows, patch, columns, patch)
        patches = patches.permute(0, 2, 4, 3, 5, 1).reshape(n, rows * columns, patch * patch * channels)
        return {
            "pixel_values": patches,
            "pixel_attention_mask": torch.ones(n, rows * columns, dtype=torch.long, device=patches.device),
            "spatial_shapes": torch.tensor([[rows, columns]] * n, dtype=torch.long, device=patches.device),
        }

    def forward(self, pixel_values: torch.Tensor) -> VisionFeatures:
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen):
            outputs = self.model(**self.model_inputs(pixel_values.to(self.model.dtype)), output_hidden_states=True)
        hidden = outputs.hidden_states[self.select_layer]
        class_logits = getattr(outputs, "logits", None)
        if hidden.dim() == 4:  # conv feature map [N, C, h, w]
            patches = hidden.flatten(2).transpose(1, 2)
            return VisionFeatures(patches.mean(1), patches, class_logits)
        patch_size = self.model.config.patch_size
        num_patches = (pixel_values.shape[-2] // patch_size) * (pixel_values.shape[-1] // patch_size)
        prefix = hidden.shape[1] - num_patches  # CLS (and register) tokens come first
        patches = hidden[:, prefix:]
        global_tokens = hidden[:, 0] if prefix > 0 else patches.mean(1)
        return VisionFeatures(global_tokens, patches, class_logits)
