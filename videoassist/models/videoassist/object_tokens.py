"""The `objects` token mode: object-centric visual tokens that the LLM reads like words.

Per frame, a linear cell classifier puts every cell of the patch grid into "no object" or one of K object
classes, and reads where in the cell the object's centre lies. Per class and frame that gives a presence (the
most confident cell) and a position (the cells' centres weighted by their confidence): a *track* over the frames,
resampled to a fixed number of time steps so that any frame count works. A small transformer across the K tracks
(plus one summary token) lets each class see the others — a colour change is one class ending where another
begins — and predicts, per class, whether it names an object of the clip, its motion, its event and whether it is
there from the start or comes partway through, and from the summary token how many objects there are.

The LLM sees a count token and, for each of the `object_slots` most likely objects, five tokens: its two name
words (e.g. colour and shape), its motion, its event and its order (start or partway). Each token is a probability distribution over the
*visual words* (`config.projector_in_features` of them) that a linear projector maps to the LLM's width; a slot
that holds no object moves its mass to the "empty" word. Initialised with the LLM's own embeddings of matching
words (videoassist/demo/build.py does), the tokens start as soft text.

Everything before the transformer is linear in the tower's features; the read-out is trained with direct
supervision (videoassist/demo/align.py), then frozen (`freeze_token_builder`) while the LLM learns to read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .configuration_videoassist import VideoAssistConfig
from .vision_tower import VisionFeatures


@dataclass
class ObjectScene:
    """The read-out's predictions for a batch of clips (logits): count [B, C], objectness [B, K], motion
    [B, K, M], event [B, K, E], order [B, K, 2] (there from the start, or partway)."""

    count: torch.Tensor
    objectness: torch.Tensor
    motion: torch.Tensor
    event: torch.Tensor
    order: torch.Tensor


class ObjectTokens(nn.Module):
    def __init__(self, config: VideoAssistConfig):
        super().__init__()
        classes, width = config.object_classes, config.object_width
        self.config = config
        self.cell_class = nn.Linear(config.vision_width, 1 + classes)  # 0: no object centre in the cell
        self.cell_offset = nn.Linear(config.vision_width, 2)  # the centre inside its cell, 0..1 after a sigmoid
        self.track_in = nn.Linear(3 * config.object_track_steps, width)
        self.class_embedding = nn.Parameter(torch.zeros(classes, width))
        self.summary = nn.Parameter(torch.zeros(1, width))
        layer = nn.TransformerEncoderLayer(width, config.object_heads, 2 * width, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.object_layers, enable_nested_tensor=False)
        self.objectness = nn.Linear(width, 1)
        self.motion = nn.Linear(width, config.object_motions)
        self.event = nn.Linear(width, config.object_events)
        self.order = nn.Linear(width, 2)
        self.count = nn.Linear(width, config.object_max_count)

    def tracks(self, patch_tokens: torch.Tensor) -> torch.Tensor:
        """patch tokens [..., T, P, D] → tracks [..., K, 3·steps]: per class and time step its presence and its
        presence-weighted x and y (centred, fractions of the frame)."""
        probs = self.cell_class(patch_tokens).softmax(-1)[..., 1:]  # [..., T, P, K]
        grid = round(patch_tokens.shape[-2] ** 0.5)
        cell = torch.arange(grid * grid, device=patch_tokens.device)
        corner = torch.stack([cell % grid, cell // grid], -1).to(patch_tokens.dtype)  # row-major, as the probes
        centres = (corner + self.cell_offset(patch_tokens).sigmoid()) / grid  # [..., T, P, 2]
        presence = probs.amax(-2)  # [..., T, K]
        weights = probs / probs.sum(-2, keepdim=True).clamp(min=1e-6)
        xy = torch.einsum("...tpk,...tpc->...tkc", weights, centres) - 0.5
        track = torch.cat([presence.unsqueeze(-1), presence.unsqueeze(-1) * xy], -1)  # [..., T, K, 3]
        lead = track.shape[:-3]
        steps = track.reshape(-1, *track.shape[-3:]).permute(0, 2, 3, 1).flatten(1, 2)  # [N, K·3, T]
        steps = F.interpolate(steps, size=self.config.object_track_steps, mode="linear", align_corners=True)
        return steps.reshape(*lead, track.shape[-2], -1)  # [..., K, 3·steps] (presence, x, y per step)

    def scene(self, tracks: torch.Tensor) -> ObjectScene:
        """tracks [B, K, 3·steps] → the read-out's logits."""
        tokens = self.track_in(tracks) + self.class_embedding
        tokens = torch.cat([self.summary.expand(tokens.shape[0], 1, -1), tokens], 1)
        encoded = self.encoder(tokens)
        summary, classes = encoded[:, 0], encoded[:, 1:]
        return ObjectScene(self.count(summary), self.objectness(classes).squeeze(-1), self.motion(classes),
                           self.event(classes), self.order(classes))

    def word_distributions(self, scene: ObjectScene) -> torch.Tensor:
        """[B, 1 + 5·slots, visual words]: the count token, then per slot (most likely object first) its two name
        words, its motion, its event and its order, each moved towards "empty" by the chance that the slot holds no
        object."""
        config = self.config
        classes, motions, events = config.object_classes, config.object_motions, config.object_events
        vocabulary = config.projector_in_features
        batch = scene.count.shape[0]
        count = scene.count.new_zeros(batch, 1, vocabulary)
        count[:, 0, vocabulary - 1 - config.object_max_count:vocabulary - 1] = scene.count.softmax(-1)
        objectness = scene.objectness.sigmoid()
        present, chosen = objectness.topk(config.object_slots, dim=-1)  # [B, S]
        rows = torch.arange(batch, device=chosen.device).unsqueeze(1)
        slots = scene.count.new_zeros(batch, config.object_slots, 5, vocabulary)
        names = F.one_hot(chosen, classes).to(slots.dtype)
        slots[..., 0, :classes] = names
        slots[..., 1, classes:2 * classes] = names
        start = 2 * classes
        for token, logits in ((2, scene.motion), (3, scene.event), (4, scene.order)):
            width = logits.shape[-1]
            slots[..., token, start:start + width] = logits[rows, chosen].softmax(-1)
            start += width
        slots = slots * present[..., None, None]
        slots[..., vocabulary - 1] = 1.0 - present.unsqueeze(-1)
        return torch.cat([count, slots.flatten(1, 2)], 1)

    def forward(self, features: VisionFeatures, projector: nn.Module, queries=None) -> torch.Tensor:
        scene = self.scene(self.tracks(features.patch_tokens).unsqueeze(0))
        return projector(self.word_distributions(scene)[0])
