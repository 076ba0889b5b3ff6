"""Linear probes on the vision tower's selected hidden state: the dense, object-centric supervision of stage 0.

On every patch token (a cell of the grid):  shape (none + 4), colour (none + 6), the pair (none + 24: shape and
                                            colour bound in one class), the centre's offset in the cell.
On the global (CLS) token (the frame):      for each of the 24 (shape, colour) pairs, visible or not, and (x, y).
They are linear so that what they read is linearly in the features, where a projector will find it; they are
dropped after stage 0 (the VideoAssist model never sees them).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .settings import LossWeights
from .targets import COLOUR_KEYS, NUM_PAIRS, SHAPE_KEYS, VISIBLE, X, Y, CellTargets


@dataclass
class ProbeOutputs:
    cell_shape: torch.Tensor    # [B, P, 1 + shapes] logits
    cell_colour: torch.Tensor   # [B, P, 1 + colours] logits
    cell_offset: torch.Tensor   # [B, P, 2], 0..1 after the sigmoid
    cell_pair: torch.Tensor     # [B, P, 1 + pairs] logits
    pair_visible: torch.Tensor  # [B, 24] logits
    pair_xy: torch.Tensor       # [B, 24, 2], fractions of the frame


class Probes(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.cell_shape = nn.Linear(width, 1 + len(SHAPE_KEYS))
        self.cell_colour = nn.Linear(width, 1 + len(COLOUR_KEYS))
        self.cell_offset = nn.Linear(width, 2)
        self.cell_pair = nn.Linear(width, 1 + NUM_PAIRS)
        self.pair_visible = nn.Linear(width, NUM_PAIRS)
        self.pair_xy = nn.Linear(width, 2 * NUM_PAIRS)

    def forward(self, global_tokens: torch.Tensor, patch_tokens: torch.Tensor) -> ProbeOutputs:
        return ProbeOutputs(
            cell_shape=self.cell_shape(patch_tokens),
            cell_colour=self.cell_colour(patch_tokens),
            cell_offset=self.cell_offset(patch_tokens).sigmoid(),
            cell_pair=self.cell_pair(patch_tokens),
            pair_visible=self.pair_visible(global_tokens),
            pair_xy=self.pair_xy(global_tokens).view(-1, NUM_PAIRS, 2),
        )


def probe_losses(out: ProbeOutputs, cells: CellTargets, tables: torch.Tensor, weights: LossWeights
                 ) -> dict[str, torch.Tensor]:
    """Each term of the stage-0 loss (unweighted) and their weighted sum under "total"."""
    occupied = (cells.shape > 0).float()
    cell_weight = occupied + weights.none_weight * (1.0 - occupied)  # empty cells are the vast majority
    norm = cell_weight.sum().clamp(min=1.0)

    def cell_ce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return (F.cross_entropy(logits.flatten(0, 1), target.flatten(), reduction="none")
                * cell_weight.flatten()).sum() / norm

    visible = tables[..., VISIBLE]
    offset_l1 = (out.cell_offset - cells.offset).abs().sum(-1)
    xy_l1 = (out.pair_xy - tables[..., [X, Y]]).abs().sum(-1)
    terms = {
        "cell_shape": cell_ce(out.cell_shape, cells.shape),
        "cell_colour": cell_ce(out.cell_colour, cells.colour),
        "cell_offset": (offset_l1 * occupied).sum() / occupied.sum().clamp(min=1.0),
        "cell_pair": cell_ce(out.cell_pair, cells.pair),
        "pair_visible": F.binary_cross_entropy_with_logits(out.pair_visible, visible),
        "pair_position": (xy_l1 * visible).sum() / visible.sum().clamp(min=1.0),
    }
    terms["total"] = sum(getattr(weights, name) * value for name, value in terms.items())
    return terms


@torch.no_grad()
def frame_metrics(out: ProbeOutputs, cells: CellTargets, tables: torch.Tensor, image_size: int
                  ) -> dict[str, float]:
    """Accuracies of one batch of frames (means over what each metric counts; see docs/DEMO.md)."""
    occupied = cells.shape > 0
    shape_pred, colour_pred = out.cell_shape.argmax(-1), out.cell_colour.argmax(-1)
    visible = tables[..., VISIBLE] > 0.5
    pred_visible = out.pair_visible > 0
    xy_error_px = ((out.pair_xy - tables[..., [X, Y]]) * image_size).norm(dim=-1)
    object_count = occupied.sum(-1)
    found = (shape_pred > 0).sum(-1)
    return {
        "cell_shape_acc": (shape_pred == cells.shape)[occupied].float().mean().item(),
        "cell_colour_acc": (colour_pred == cells.colour)[occupied].float().mean().item(),
        "cell_both_acc": ((shape_pred == cells.shape) & (colour_pred == cells.colour))[occupied].float().mean().item(),
        "cell_pair_acc": (out.cell_pair.argmax(-1) == cells.pair)[occupied].float().mean().item(),
        "empty_cell_acc": (shape_pred == 0)[~occupied].float().mean().item(),
        "cell_count_acc": (found == object_count).float().mean().item(),
        "pair_visible_acc": (pred_visible == visible).float().mean().item(),
        "frame_pairs_exact": (pred_visible == visible).all(-1).float().mean().item(),
        "pair_xy_error_px": xy_error_px[visible].mean().item(),
    }
