"""Settings of the demo's stage 0 (the vision tower pre-trained on the synthetic world), read from YAML.

    data:    {train_seed: 101, train_n: 4000, ...}          # the synthetic worlds stage 0 trains and is checked on
    frames:  {num_frames: 8, image_size: 128}               # what the cache holds: frames as inference samples them
    tower:   {kind: resnet, hidden_sizes: [48, 96, 192], ...}  # a tiny ResNetModel or CLIPVisionModel
    train:   {steps: 1200, batch_size: 64, lr: 1.0e-3, ...} # AdamW + cosine on single frames
    augment: {scale: [0.8, 1.2], ...}                       # so the tower does not learn one renderer's habits
    align:   {steps: 3000, batch_size: 128, ...}            # stage 1: the `objects` read-out on ground truth

Every field has a default; a key the dataclass does not know, or a value of the wrong type, is a one-line
ConfigError naming the file and the key (videoassist.config_files reads the file).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from videoassist.config_files import load_dataclass


@dataclass(frozen=True)
class DataSettings:
    train_seed: int = 101     # the demo's own training world (train split: training, val: monitoring)
    train_n: int = 4000
    check_seed: int = 202     # held-out clips of another seed for the check
    check_n: int = 500
    workers: int = 2          # processes rendering clips


@dataclass(frozen=True)
class FrameSettings:
    num_frames: int = 8      # evenly spaced, as `videoassist ask` samples by default
    image_size: int = 128    # square input of the tower; frames are resized (not cropped) to it, like inference


@dataclass(frozen=True)
class TowerSettings:
    kind: str = "clip"       # "clip": CLIPVisionModel (CLS token + patch grid) | "resnet": ResNetModel (feature map)
    patch_size: int = 16     # clip: 128 / 16 = an 8×8 grid
    width: int = 192         # clip: hidden size
    layers: int = 4
    heads: int = 6
    mlp_ratio: int = 4
    embedding_size: int = 32                     # resnet: stem channels (the stem divides the size by 4)
    hidden_sizes: tuple[int, ...] = (48, 96, 192)  # resnet: channels per stage; each stage after the first halves
    depths: tuple[int, ...] = (1, 2, 2)            # the size, so 3 stages turn 128 px into an 8×8 grid
    select_layer: int = -1   # the hidden state the probes (and later the VideoAssist model) read

    def __post_init__(self):
        if self.kind not in ("clip", "resnet"):
            raise ValueError(f"kind must be clip or resnet, got {self.kind!r}")

    def grid(self, image_size: int) -> int:
        if self.kind == "resnet":
            return image_size // (4 * 2 ** (len(self.hidden_sizes) - 1))
        return image_size // self.patch_size

    @property
    def feature_width(self) -> int:
        """Width of the hidden state at select_layer (the last one for the resnet: the probes read its output)."""
        if self.kind == "resnet":
            return [self.embedding_size, *self.hidden_sizes][self.select_layer]
        return self.width


@dataclass(frozen=True)
class AugmentSettings:
    flip: float = 0.5                        # probability of a horizontal flip (motion words are clip-level)
    scale: tuple[float, float] = (0.8, 1.2)  # zoom per axis; >1 crops in, kept only when every object stays whole
    brightness: float = 0.08                 # added, as a fraction of full scale
    contrast: tuple[float, float] = (0.8, 1.2)
    channel_gain: float = 0.05               # per-channel multiplicative jitter (white balance)
    noise: float = 0.02                      # Gaussian pixel noise, standard deviation

    def off(self) -> "AugmentSettings":
        return AugmentSettings(flip=0.0, scale=(1.0, 1.0), brightness=0.0, contrast=(1.0, 1.0),
                               channel_gain=0.0, noise=0.0)


@dataclass(frozen=True)
class LossWeights:
    cell_shape: float = 1.0
    cell_colour: float = 1.0
    cell_offset: float = 1.0
    cell_pair: float = 0.0       # the bound pair per cell: pair-specific features make the pair probes on the
                                 # global token (for a conv net, the mean of the cells) linear
    none_weight: float = 0.2     # weight of empty cells in the cell losses (objects sit in ~2 of 64 cells)
    pair_visible: float = 1.0
    pair_position: float = 2.0


@dataclass(frozen=True)
class TrainSettings:
    steps: int = 3000
    batch_size: int = 64        # frames per step (frames are independent targets in stage 0)
    lr: float = 1.0e-3
    weight_decay: float = 0.05
    warmup_steps: int = 150
    seed: int = 0
    threads: int | None = None  # torch threads; None: torch's default
    checkpoint_every: int = 100
    eval_every: int = 250
    eval_frames: int = 512      # val frames scored at each eval
    time_limit_s: float | None = None  # stop early (with a checkpoint) after this long in one session; the
                                       # cosine still runs to `steps`, so rerunning resumes where it stopped
    session_steps: int | None = None   # likewise, stop after this many steps in one session


@dataclass(frozen=True)
class AlignSettings:
    """Stage 1: the `objects` token builder's read-out, trained on tracks of the cached train clips."""

    steps: int = 3000
    batch_size: int = 128       # clips per step
    lr: float = 2.0e-3
    weight_decay: float = 0.01
    warmup_steps: int = 100
    seed: int = 0
    flip: float = 0.5           # probability of mirroring a clip's tracks, per axis (motion labels follow)
    eval_every: int = 500
    checkpoint_every: int = 500


@dataclass(frozen=True)
class VisionSettings:
    data: DataSettings = field(default_factory=DataSettings)
    frames: FrameSettings = field(default_factory=FrameSettings)
    tower: TowerSettings = field(default_factory=TowerSettings)
    train: TrainSettings = field(default_factory=TrainSettings)
    augment: AugmentSettings = field(default_factory=AugmentSettings)
    loss: LossWeights = field(default_factory=LossWeights)
    align: AlignSettings = field(default_factory=AlignSettings)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def load_settings(path: str | Path | None, overrides: Sequence[str] = ()) -> VisionSettings:
    """Settings from a YAML file (None: the defaults), then `overrides` ("train.steps=5", the value YAML)."""
    return load_dataclass(path, VisionSettings, overrides)
