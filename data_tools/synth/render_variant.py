"""A second, independent renderer of the synthetic world, for EVALUATION ONLY: no training world is drawn with it,
so a model scored on its clips shows whether it learned the world or render.py's habits.

Same ground truth, drawn another way at every step (render.py draws PIL polygons, supersampled, onto a flat or
bicubic-noise background, and encodes yuv420p at CRF 20):
- shapes from signed distance fields: coverage from the distance to the outline (analytic anti-aliasing), a dark
  rim along the outline, soft light from the top left, another palette (each colour still its word's), objects
  `size_scale` of the world's circumscribed radius and no smaller than the world's smallest (smaller only, so
  they never overlap or leave the frame);
- the background: the world's dark colour with a gradient, faint ripples and, for "noise" backgrounds, a texture
  of low-passed white noise from the background's own seed, then per-frame sensor grain;
- a slight Gaussian blur of every frame, and x264 at CRF 26, preset "faster", yuv444p (`VARIANT_ENCODER`).
Every random choice is drawn from the clip's own record, so a clip is drawn the same way every time.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from PIL import Image, ImageFilter

from data_tools.synth.world import Background, Clip, WorldObject
from data_tools.synth.writer import EncoderSettings

# Each colour word painted in another shade than render.py's COLOUR_RGB (each nearer its own word's reference
# colour than any other's).
VARIANT_RGB: dict[str, tuple[int, int, int]] = {
    "red": (235, 62, 52),
    "green": (34, 178, 58),
    "blue": (38, 118, 228),
    "yellow": (228, 200, 58),
    "purple": (148, 72, 200),
    "white": (232, 236, 240),
}

VARIANT_ENCODER = EncoderSettings(crf=26, preset="faster", pix_fmt="yuv444p")


@dataclass(frozen=True)
class VariantStyle:
    name: ClassVar[str] = "variant"

    size_scale: float = 0.85          # drawn radius / the world's circumscribed radius, ...
    min_radius: float = 0.04          # ... but never under this fraction of the frame's shorter side (the world's)
    star_inner_ratio: float = 0.52    # inner / outer radius of the five-pointed star
    edge_px: float = 1.0              # width of the anti-aliased edge
    rim_px: float = 1.2               # width of the dark rim inside the outline ...
    rim_shade: float = 0.6            # ... painted at this fraction of the object's colour
    light: float = 0.08               # brightness from +light (top left) to -light (bottom right) of an object
    gradient: float = 10.0            # background brightness from -gradient to +gradient across the frame
    ripple: float = 4.0               # amplitude of the background's ripples, grey levels
    texture: float = 1.0              # "noise" backgrounds: texture amplitude / the world's noise amplitude
    grain: float = 2.5                # standard deviation of the per-frame sensor grain, grey levels
    blur_sigma: float = 0.6           # Gaussian blur of the whole frame, pixels
    palette: Mapping[str, tuple[int, int, int]] = field(default_factory=lambda: dict(VARIANT_RGB))

    def frames(self, clip: Clip) -> Iterator[np.ndarray]:
        """Every frame of `clip` in this style."""
        return render_variant_frames(clip, self)


def _rng(clip: Clip, stream: int) -> np.random.Generator:
    """Stream 0 draws the background, stream i + 1 the grain of frame i: from the clip's record alone."""
    bg = clip.background
    return np.random.default_rng([bg.noise_seed, *bg.rgb, clip.width, clip.height, clip.fps, clip.num_frames, stream])


def _vertices(shape: str, radius: float, angle_deg: float, style: VariantStyle) -> np.ndarray:
    """(k, 2) corners of a polygon shape around the origin (y down), triangle and star pointing up before the
    rotation, each corner (the star's outer ones) on the circle of `radius`."""
    counts = {"square": 4, "triangle": 3, "star": 10}
    k = counts[shape]
    start = -math.pi / 2 if shape != "square" else -math.pi / 4
    angles = start + math.radians(angle_deg) + np.arange(k) * 2 * math.pi / k
    radii = np.full(k, radius)
    if shape == "star":
        radii[1::2] *= style.star_inner_ratio
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


def signed_distance(shape: str, radius: float, angle_deg: float, x: np.ndarray, y: np.ndarray,
                    style: VariantStyle) -> np.ndarray:
    """Distance from the points (x, y), relative to the centre, to the shape's outline: negative inside."""
    if shape == "circle":
        return np.hypot(x, y) - radius
    corners = _vertices(shape, radius, angle_deg, style)
    a, b = corners, np.roll(corners, -1, axis=0)
    px, py = x[..., None], y[..., None]
    ex, ey = b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]
    t = np.clip(((px - a[:, 0]) * ex + (py - a[:, 1]) * ey) / (ex * ex + ey * ey), 0.0, 1.0)
    distance = np.hypot(px - a[:, 0] - t * ex, py - a[:, 1] - t * ey).min(axis=-1)
    # even-odd rule: a point is inside when a ray to its right crosses the outline an odd number of times
    crosses = ((a[:, 1] > py) != (b[:, 1] > py)) & (px < a[:, 0] + (py - a[:, 1]) * ex / np.where(ey == 0, 1, ey))
    inside = crosses.sum(axis=-1) % 2 == 1
    return np.where(inside, -distance, distance)


def variant_background(clip: Clip, style: VariantStyle) -> np.ndarray:
    """(height, width, 3) float32, the same in every frame: the world's colour, a gradient across the frame in a
    direction of the clip's own, faint ripples, and for "noise" backgrounds a low-passed white-noise texture."""
    bg: Background = clip.background
    rng = _rng(clip, 0)
    h, w = clip.height, clip.width
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    along = ((x - w / 2) * math.cos(angle) + (y - h / 2) * math.sin(angle)) / (0.5 * math.hypot(w, h))
    wavelength = rng.uniform(0.15, 0.4) * min(w, h)
    ripple = np.sin(2 * math.pi * (x * math.sin(angle) - y * math.cos(angle)) / wavelength + rng.uniform(0, 6.3))
    shade = style.gradient * along + style.ripple * ripple
    if bg.noise_amplitude:
        # white noise low-passed in the frequency domain: features about w / noise_cells pixels across
        white = np.random.default_rng(bg.noise_seed).normal(0.0, 1.0, (h, w))
        fy, fx = np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :]
        cutoff = bg.noise_cells / w
        texture = np.fft.irfft2(np.fft.rfft2(white) * np.exp(-(fx**2 + fy**2) / (2 * cutoff**2)), s=(h, w))
        texture = (texture / max(float(np.abs(texture).max()), 1e-6)).astype(np.float32)
        shade = shade + style.texture * bg.noise_amplitude * texture
    return np.clip(np.asarray(bg.rgb, np.float32) + shade[..., None], 0, 255)


def _paint(frame: np.ndarray, clip: Clip, obj: WorldObject, index: int, style: VariantStyle) -> None:
    cx, cy = clip.position(obj, index)
    radius = min(obj.radius_px, max(obj.radius_px * style.size_scale, style.min_radius * min(clip.width, clip.height)))
    x0, y0 = max(0, math.floor(cx - radius - 2)), max(0, math.floor(cy - radius - 2))
    x1, y1 = min(clip.width, math.ceil(cx + radius + 3)), min(clip.height, math.ceil(cy + radius + 3))
    y, x = np.mgrid[y0:y1, x0:x1].astype(np.float64)
    dx, dy = x + 0.5 - cx, y + 0.5 - cy  # pixel (i, j) is the square [i, i+1) x [j, j+1), its centre at +0.5
    distance = signed_distance(obj.shape, radius, obj.angle_deg, dx, dy, style)
    alpha = np.clip(0.5 - distance / style.edge_px, 0.0, 1.0)[..., None]
    rim = np.clip((distance + style.rim_px) / style.edge_px + 0.5, 0.0, 1.0)[..., None]
    light = 1.0 - style.light * np.clip((dx + dy) / (radius * math.sqrt(2)), -1.0, 1.0)[..., None]
    body = np.asarray(style.palette[clip.colour_at(obj, index)], np.float32) * light
    colour = np.clip(body * (1.0 - rim * (1.0 - style.rim_shade)), 0, 255)
    box = frame[y0:y1, x0:x1]
    box *= 1.0 - alpha
    box += alpha * colour


def render_variant_frame(clip: Clip, index: int, style: VariantStyle = VariantStyle(),
                         background: np.ndarray | None = None) -> np.ndarray:
    """Frame `index` as (height, width, 3) uint8 RGB."""
    if not 0 <= index < clip.num_frames:
        raise IndexError(f"frame {index} outside 0..{clip.num_frames - 1}")
    frame = (variant_background(clip, style) if background is None else background).copy()
    for obj in clip.objects:
        if clip.is_visible(obj, index):
            _paint(frame, clip, obj, index, style)
    image = Image.fromarray(np.rint(frame).astype(np.uint8)).filter(ImageFilter.GaussianBlur(style.blur_sigma))
    grain = _rng(clip, index + 1).normal(0.0, style.grain, frame.shape[:2])
    return np.clip(np.rint(np.asarray(image, np.float32) + grain[..., None]), 0, 255).astype(np.uint8)


def render_variant_frames(clip: Clip, style: VariantStyle = VariantStyle()) -> Iterator[np.ndarray]:
    """Every frame of the clip, in order."""
    background = variant_background(clip, style)
    for index in range(clip.num_frames):
        yield render_variant_frame(clip, index, style, background)
