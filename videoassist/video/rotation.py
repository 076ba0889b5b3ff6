"""Rotation metadata: from FFmpeg's display matrix angle (or the classic `rotate` tag) to upright pixels.

Convention (see VideoInfo.rotation): the clockwise turn, in degrees, that the stored picture needs. FFmpeg's
display matrix angle (PyAV's `VideoFrame.rotation`) is counter-clockwise, so a portrait phone clip has angle -90
and rotation 90. Flips in the matrix are not handled; only quarter turns occur in practice.
"""

from __future__ import annotations

import numpy as np


def from_display_angle(counter_clockwise_degrees: float) -> int:
    """The clockwise quarter turn (0, 90, 180, 270) for a display-matrix angle in degrees counter-clockwise."""
    return int(round(-counter_clockwise_degrees / 90.0)) % 4 * 90


def from_rotate_tag(tag: str | None) -> int:
    """The clockwise quarter turn for a `rotate` metadata tag ("90", "-90", ...); 0 when absent or unreadable."""
    try:
        return int(round(float(tag) / 90.0)) % 4 * 90 if tag else 0
    except ValueError:
        return 0


def displayed_size(width: int, height: int, rotation: int) -> tuple[int, int]:
    """(width, height) as shown: a quarter turn swaps them."""
    return (height, width) if rotation in (90, 270) else (width, height)


def upright(frames: np.ndarray, rotation: int) -> np.ndarray:
    """Turn `[T, H, W, C]` frames clockwise by `rotation` degrees (a view; the caller copies when it stacks)."""
    return np.rot90(frames, k=-(rotation // 90), axes=(1, 2)) if rotation else frames
