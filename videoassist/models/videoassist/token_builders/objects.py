"""The `objects` token mode: object-centric visual tokens that the LLM reads like words.

Per frame, a linear cell classifier puts every cell of the patch grid into "no object" or one of K object
classes, and reads where in the cell the object's centre lies. Per class and frame that gives a presence (the
most confident cell) and a position (the cells' centres weighted by their confidence): a *track* over the frames,
resampled to a fixed number of time steps so that any frame count works. A small transformer across the K tracks
(plus one summary token) lets each class see the others — a colour change is one class ending where another
begins — and predicts, per class, whether it names an object of the clip, its motion, its event and its order
(e.g. there from the start or partway through), and from the summary token how many objects there are.

The LLM sees a count token and, for each of the `slots` most likely objects, five tokens: its two name words (e.g.
colour and shape), its motion, its event and its order. Each token is a probability distribution over the *visual
words* (`ObjectTokensConfig.words`) that a linear projector maps to the LLM's width; a slot that holds no object
moves its mass to the "empty" word. The vocabulary (the classes, motions, events, orders and counts) is the
training recipe's, stored in the checkpoint's `token_builder_config`; every size here follows from it.
Initialised with the LLM's own embeddings of the words (the demo recipe's recipes/demo/build.py does), the
tokens start as soft text.

Everything before the transformer is linear in the tower's features; the read-out is trained with direct
supervision (recipes/demo/align.py), then frozen (`freeze`) while the LLM learns to read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ..vision_tower import VisionFeatures
from .base import TokenBuilder, TokenBuilderConfig

TOKENS_PER_SLOT = 5  # two name words, motion, event, order


@dataclass
class ObjectTokensConfig(TokenBuilderConfig):
    """The vocabulary the read-out predicts and the LLM reads, one visual word each (the LLM's word for it):
    `classes` two name words per object class; `motions`, `events`, `orders` one word per value; `counts` one word
    per number of objects (1, 2, …); `empty` the word of a slot that holds no object. Then the read-out's size:
    object slots shown to the LLM, time steps a track is resampled to, and its transformer's width, depth, heads."""

    classes: list = field(default_factory=list)
    motions: list = field(default_factory=list)
    events: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    counts: list = field(default_factory=list)
    empty: str = "none"
    slots: int = 3
    track_steps: int = 8
    width: int = 128
    layers: int = 2
    heads: int = 4

    def __post_init__(self):
        sections = {"classes": self.classes, "motions": self.motions, "events": self.events, "orders": self.orders,
                    "counts": self.counts}
        missing = [name for name, words in sections.items() if not words]
        if missing:
            raise ValueError(f"objects: token_builder_config needs its vocabulary; {', '.join(missing)} empty "
                             "(classes: two name words each; motions, events, orders, counts: one word each)")
        if any(not isinstance(c, (list, tuple)) or len(c) != 2 for c in self.classes):
            raise ValueError("objects: token_builder_config.classes must give two name words per class")
        if not all(isinstance(word, str) for word in self.words):
            raise ValueError("objects: token_builder_config's vocabulary must be words (strings)")
        self.classes = [list(c) for c in self.classes]

    @property
    def words(self) -> list[str]:
        """The visual words in projector order: every class's first name word, then every class's second, the
        motions, events, orders, counts and the empty word."""
        return ([c[0] for c in self.classes] + [c[1] for c in self.classes] + list(self.motions) + list(self.events)
                + list(self.orders) + list(self.counts) + [self.empty])

    def offset(self, section: str) -> int:
        """Where `section` (motions, events, orders or counts) starts among the words."""
        order = ("motions", "events", "orders", "counts")
        return 2 * len(self.classes) + sum(len(getattr(self, name)) for name in order[:order.index(section)])


@dataclass
class ObjectScene:
    """The read-out's predictions for a batch of clips (logits): count [B, C], objectness [B, K], motion
    [B, K, M], event [B, K, E], order [B, K, O]."""

    count: torch.Tensor
    objectness: torch.Tensor
    motion: torch.Tensor
    event: torch.Tensor
    order: torch.Tensor


class ObjectTokens(TokenBuilder):
    config_class = ObjectTokensConfig

    def __init__(self, config):
        super().__init__(config)
        settings = config.token_builder_config
        classes, width = len(settings.classes), settings.width
        self.cell_class = nn.Linear(config.vision_width, 1 + classes)  # 0: no object centre in the cell
        self.cell_offset = nn.Linear(config.vision_width, 2)  # the centre inside its cell, 0..1 after a sigmoid
        self.track_in = nn.Linear(3 * settings.track_steps, width)
        self.class_embedding = nn.Parameter(torch.zeros(classes, width))
        self.summary = nn.Parameter(torch.zeros(1, width))
        layer = nn.TransformerEncoderLayer(width, settings.heads, 2 * width, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, settings.layers, enable_nested_tensor=False)
        self.objectness = nn.Linear(width, 1)
        self.motion = nn.Linear(width, len(settings.motions))
        self.event = nn.Linear(width, len(settings.events))
        self.order = nn.Linear(width, len(settings.orders))
        self.count = nn.Linear(width, len(settings.counts))

    @classmethod
    def input_width(cls, config) -> int:
        return len(config.token_builder_config.words)

    @classmethod
    def visual_block_sizes(cls, config, num_frames: int, num_questions: int = 1) -> list[int]:
        """A count token and five per object slot, whatever the number of frames."""
        return [1 + TOKENS_PER_SLOT * config.token_builder_config.slots]

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
        steps = F.interpolate(steps, size=self.settings.track_steps, mode="linear", align_corners=True)
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
        settings = self.settings
        classes, vocabulary, slots_shown = len(settings.classes), len(settings.words), settings.slots
        batch = scene.count.shape[0]
        count = scene.count.new_zeros(batch, 1, vocabulary)
        counts = settings.offset("counts")
        count[:, 0, counts:counts + len(settings.counts)] = scene.count.softmax(-1)
        objectness = scene.objectness.sigmoid()
        present, chosen = objectness.topk(slots_shown, dim=-1)  # [B, S]
        rows = torch.arange(batch, device=chosen.device).unsqueeze(1)
        slots = scene.count.new_zeros(batch, slots_shown, TOKENS_PER_SLOT, vocabulary)
        names = F.one_hot(chosen, classes).to(slots.dtype)
        slots[..., 0, :classes] = names
        slots[..., 1, classes:2 * classes] = names
        for token, (section, logits) in enumerate(
            (("motions", scene.motion), ("events", scene.event), ("orders", scene.order)), start=2
        ):
            start = settings.offset(section)
            slots[..., token, start:start + logits.shape[-1]] = logits[rows, chosen].softmax(-1)
        slots = slots * present[..., None, None]
        slots[..., vocabulary - 1] = 1.0 - present.unsqueeze(-1)
        return torch.cat([count, slots.flatten(1, 2)], 1)

    def forward(self, features: VisionFeatures, projector: nn.Module, queries=None) -> torch.Tensor:
        scene = self.scene(self.tracks(features.patch_tokens).unsqueeze(0))
        return projector(self.word_distributions(scene)[0])
