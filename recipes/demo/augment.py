"""Batch augmentation for stage 0, moving the targets with the pixels.

Geometry: a horizontal flip and a zoom per axis (crop in or shrink, which also varies the aspect ratio the square
resize leaves), about a random point. A zoom that would cut an object is replaced by a shrink about the centre,
so every object stays whole and every target stays true. Photometry: contrast, brightness, white balance, noise.
The source frames are decoded H.264, so the codec's own artefacts are in every sample already.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .settings import AugmentSettings
from .targets import RX, RY, VISIBLE, X, Y


def _uniform(generator: torch.Generator, n: int, bounds: tuple[float, float]) -> torch.Tensor:
    return bounds[0] + (bounds[1] - bounds[0]) * torch.rand(n, generator=generator)


def augment(pixels: torch.Tensor, tables: torch.Tensor, settings: AugmentSettings, generator: torch.Generator
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """pixels float [B, 3, S, S] in 0..1, pair tables [B, 24, 5] → both augmented (new tensors)."""
    batch = pixels.shape[0]
    flip = torch.where(torch.rand(batch, generator=generator) < settings.flip, -1.0, 1.0)
    scale = torch.stack([_uniform(generator, batch, settings.scale) for _ in range(2)], 1)  # [B, 2] (x, y)
    room = (0.5 - 0.5 / scale).abs()  # how far the zoom's centre may move and keep the view filled / inside
    shift = (2 * torch.rand(batch, 2, generator=generator) - 1) * room

    def moved(scale: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
        centred = tables[..., [X, Y]] - 0.5
        return scale[:, None] * (centred - shift[:, None])  # [B, 24, 2], centred coordinates

    radius = tables[..., [RX, RY]] * scale[:, None]
    inside = (moved(scale, shift).abs() + radius <= 0.5).all(-1) | (tables[..., VISIBLE] < 0.5)
    fallback = ~inside.all(-1)  # this zoom cuts a visible object: shrink about the centre instead
    scale = torch.where(fallback[:, None], scale.clamp(max=1.0), scale)
    shift = torch.where(fallback[:, None], torch.zeros_like(shift), shift)

    out = tables.clone()
    xy = moved(scale, shift)
    out[..., X] = 0.5 + flip[:, None] * xy[..., 0]
    out[..., Y] = 0.5 + xy[..., 1]
    out[..., RX] = tables[..., RX] * scale[:, 0:1]
    out[..., RY] = tables[..., RY] * scale[:, 1:2]
    out[..., [X, Y, RX, RY]] *= tables[..., VISIBLE:VISIBLE + 1]  # absent pairs stay all-zero

    # Output pixel u (in -1..1) shows input point flip·u/scale + 2·shift.
    theta = torch.zeros(batch, 2, 3)
    theta[:, 0, 0] = flip / scale[:, 0]
    theta[:, 1, 1] = 1.0 / scale[:, 1]
    theta[:, :, 2] = 2 * shift
    grid = F.affine_grid(theta, list(pixels.shape), align_corners=False)
    fill = pixels.mean((2, 3), keepdim=True)  # a shrunk frame is framed by its own mean colour
    warped = F.grid_sample(pixels - fill, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + fill

    contrast = _uniform(generator, batch, settings.contrast).view(-1, 1, 1, 1)
    brightness = _uniform(generator, batch, (-settings.brightness, settings.brightness)).view(-1, 1, 1, 1)
    gain = 1.0 + _uniform(generator, batch * 3, (-settings.channel_gain, settings.channel_gain)).view(-1, 3, 1, 1)
    mean = warped.mean((1, 2, 3), keepdim=True)
    shaded = ((warped - mean) * contrast + mean + brightness) * gain
    noisy = shaded + settings.noise * torch.randn(shaded.shape, generator=generator)
    return noisy.clamp(0.0, 1.0), out
