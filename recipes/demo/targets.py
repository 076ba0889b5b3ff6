"""Stage-0 targets from the synthetic world's exact ground truth.

One frame's targets are a *pair table* [24, 5]: for each (shape, colour) pair of the vocabulary (ALL_PAIRS order)
visible, x, y, rx, ry — the centre and the circumscribed radius of the object showing that pair in this frame,
as fractions of the frame's width and height (so they hold in any resized copy of the frame, the square input of
the tower included). A pair is shown by at most one object (the world never repeats a pair in a clip).

The per-cell targets of the patch grid are derived from the pair table when a batch is made, after augmentation
has moved the objects: each cell gets the shape and the colour of the object whose centre lies in it (0 = none),
the two as one (shape, colour) pair class, and the centre's offset inside the cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from data_tools.synth.vocabulary import ALL_PAIRS, COLOURS, SHAPES
from data_tools.synth.world import Clip

SHAPE_KEYS = tuple(SHAPES)
COLOUR_KEYS = tuple(COLOURS)
PAIR_INDEX = {pair: i for i, pair in enumerate(ALL_PAIRS)}
NUM_PAIRS = len(ALL_PAIRS)
# 1-based class of each pair's shape and colour (0 is "no object centre in this cell").
PAIR_SHAPE = torch.tensor([SHAPE_KEYS.index(s) + 1 for s, _ in ALL_PAIRS])
PAIR_COLOUR = torch.tensor([COLOUR_KEYS.index(c) + 1 for _, c in ALL_PAIRS])
VISIBLE, X, Y, RX, RY = range(5)


def pair_tables(clip: Clip, frame_indices: Sequence[int]) -> np.ndarray:
    """float32 [T, 24, 5]: the pair table of each of the clip's frames `frame_indices` (exact ground truth)."""
    table = np.zeros((len(frame_indices), NUM_PAIRS, 5), np.float32)
    for t, frame in enumerate(frame_indices):
        for obj in clip.objects:
            if not clip.is_visible(obj, frame):
                continue
            x, y = clip.position(obj, frame)
            k = PAIR_INDEX[(obj.shape, clip.colour_at(obj, frame))]
            table[t, k] = (1.0, x / clip.width, y / clip.height, obj.radius_px / clip.width,
                           obj.radius_px / clip.height)
    return table


@dataclass
class CellTargets:
    shape: torch.Tensor    # long [B, G*G], 0 = none, else 1 + index in SHAPE_KEYS
    colour: torch.Tensor   # long [B, G*G], 0 = none, else 1 + index in COLOUR_KEYS
    offset: torch.Tensor   # float [B, G*G, 2], the centre inside its cell, 0..1 (meaningful where shape > 0)
    pair: torch.Tensor     # long [B, G*G], 0 = none, else 1 + index in ALL_PAIRS (shape and colour bound)


def cell_targets(tables: torch.Tensor, grid: int) -> CellTargets:
    """Per-cell targets [B, grid²] (row-major, as a ViT orders its patches) from pair tables [B, 24, 5].

    Two centres in one cell (the world keeps objects apart, so only with small objects in a coarse grid): the
    larger object wins, as it covers more of the cell."""
    batch = tables.shape[0]
    shape = torch.zeros(batch, grid * grid, dtype=torch.long)
    colour = torch.zeros_like(shape)
    offset = torch.zeros(batch, grid * grid, 2)
    visible = tables[..., VISIBLE] > 0.5
    b, k = visible.nonzero(as_tuple=True)
    if b.numel() == 0:
        return CellTargets(shape, colour, offset, torch.zeros_like(shape))
    scaled = tables[b, k][:, [X, Y]].clamp(0.0, 1.0 - 1e-6) * grid
    cell_xy = scaled.floor()
    cell = (cell_xy[:, 1] * grid + cell_xy[:, 0]).long()
    flat = b * grid * grid + cell
    radius = tables[b, k, RX]
    largest = torch.full((batch * grid * grid,), -1.0).scatter_reduce(0, flat, radius, "amax")
    keep = radius == largest[flat]
    b, k, cell, scaled, cell_xy = b[keep], k[keep], cell[keep], scaled[keep], cell_xy[keep]
    shape[b, cell] = PAIR_SHAPE[k]
    colour[b, cell] = PAIR_COLOUR[k]
    offset[b, cell] = scaled - cell_xy
    pair = torch.zeros_like(shape)
    pair[b, cell] = k + 1
    return CellTargets(shape, colour, offset, pair)
