"""Paint a `Clip` frame by frame from its ground truth.

Nothing here decides what is in a clip; it only draws it. The drawing choices (palette, anti-aliasing,
star shape) live in `RenderStyle`, apart from the ground truth, so the same clip can be rendered again in
another style to check that a model learned the world and not this renderer.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from PIL import Image, ImageDraw

from data_tools.synth.vocabulary import COLOUR_RGB
from data_tools.synth.world import Background, Clip, WorldObject


@dataclass(frozen=True)
class RenderStyle:
    supersample: int = 4              # shapes are drawn this many times larger and box-filtered: anti-aliasing
    star_inner_ratio: float = 0.45    # inner / outer radius of the five-pointed star
    circle_vertices: int = 96         # a circle is drawn as a regular polygon this fine
    palette: Mapping[str, tuple[int, int, int]] = field(default_factory=lambda: dict(COLOUR_RGB))

    name: ClassVar[str] = "default"

    def frames(self, clip: Clip) -> Iterator[np.ndarray]:
        """Every frame of `clip` in this style (what the generator calls, whichever renderer the style is of)."""
        return render_frames(clip, self)


def shape_outline(shape: str, radius: float, angle_deg: float, style: RenderStyle) -> np.ndarray:
    """Vertices (k, 2) of the shape centred on the origin, image coordinates (y down). Every shape fits its
    circumscribed circle of `radius`; triangle and star point up before rotation."""
    if shape == "circle":
        angles = np.linspace(0.0, 2 * math.pi, style.circle_vertices, endpoint=False)
        radii = np.full(style.circle_vertices, radius)
    elif shape == "square":
        angles = math.pi / 4 + np.arange(4) * math.pi / 2
        radii = np.full(4, radius)
    elif shape == "triangle":
        angles = -math.pi / 2 + np.arange(3) * 2 * math.pi / 3
        radii = np.full(3, radius)
    elif shape == "star":
        angles = -math.pi / 2 + np.arange(10) * math.pi / 5
        radii = np.where(np.arange(10) % 2 == 0, radius, radius * style.star_inner_ratio)
    else:
        raise ValueError(f"unknown shape {shape!r}")
    angles = angles + math.radians(angle_deg)
    return np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)


def render_background(background: Background, width: int, height: int) -> np.ndarray:
    """(height, width, 3) float32: the solid colour plus, for "noise", a smooth grey texture that is the same
    in every frame (a bicubic upsampling of a coarse random grid drawn from the background's own seed)."""
    image = np.empty((height, width, 3), np.float32)
    image[:] = background.rgb
    if background.noise_amplitude:
        rng = np.random.default_rng(background.noise_seed)
        cells_x = background.noise_cells
        cells_y = max(2, round(cells_x * height / width))
        grid = rng.uniform(-1.0, 1.0, size=(cells_y, cells_x)).astype(np.float32)
        noise = np.asarray(Image.fromarray(grid, mode="F").resize((width, height), Image.BICUBIC))
        image += background.noise_amplitude * np.clip(noise, -1.0, 1.0)[..., None]
    return np.clip(image, 0, 255)


def _coverage(outline: np.ndarray, x0: int, y0: int, w: int, h: int, s: int) -> np.ndarray:
    """Fraction (h, w) of each pixel of the box at (x0, y0) covered by the polygon, by s×s supersampling.
    Pixel (i, j) spans [i, i+1) × [j, j+1); PIL fills a sub-pixel when its centre is inside."""
    mask = Image.new("L", (w * s, h * s), 0)
    points = [((x - x0) * s - 0.5, (y - y0) * s - 0.5) for x, y in outline]
    ImageDraw.Draw(mask).polygon(points, fill=255)
    sub = np.asarray(mask, np.float32).reshape(h, s, w, s)
    return sub.mean(axis=(1, 3)) / 255.0


def _draw(frame: np.ndarray, clip: Clip, obj: WorldObject, index: int, style: RenderStyle) -> None:
    cx, cy = clip.position(obj, index)
    outline = shape_outline(obj.shape, obj.radius_px, obj.angle_deg, style) + (cx, cy)
    x0 = max(0, math.floor(cx - obj.radius_px) - 1)
    y0 = max(0, math.floor(cy - obj.radius_px) - 1)
    x1 = min(clip.width, math.ceil(cx + obj.radius_px) + 2)
    y1 = min(clip.height, math.ceil(cy + obj.radius_px) + 2)
    alpha = _coverage(outline, x0, y0, x1 - x0, y1 - y0, style.supersample)[..., None]
    colour = np.asarray(style.palette[clip.colour_at(obj, index)], np.float32)
    box = frame[y0:y1, x0:x1]
    box *= 1.0 - alpha
    box += alpha * colour


def render_frame(clip: Clip, index: int, style: RenderStyle = RenderStyle(),
                 background: np.ndarray | None = None) -> np.ndarray:
    """Frame `index` as (height, width, 3) uint8 RGB. Pass `background` (from `render_background`) to avoid
    recomputing it for every frame."""
    if not 0 <= index < clip.num_frames:
        raise IndexError(f"frame {index} outside 0..{clip.num_frames - 1}")
    if background is None:
        background = render_background(clip.background, clip.width, clip.height)
    frame = background.copy()
    for obj in clip.objects:
        if clip.is_visible(obj, index):
            _draw(frame, clip, obj, index, style)
    return np.rint(frame).astype(np.uint8)


def render_frames(clip: Clip, style: RenderStyle = RenderStyle()) -> Iterator[np.ndarray]:
    """Every frame of the clip, in order."""
    background = render_background(clip.background, clip.width, clip.height)
    for index in range(clip.num_frames):
        yield render_frame(clip, index, style, background)
