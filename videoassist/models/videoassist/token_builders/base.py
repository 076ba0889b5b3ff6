"""What every token builder is: a module that turns one video's frame features into the LLM's visual tokens, a
settings dataclass stored in the checkpoint, and the facts the processor and the model need before it runs.

A builder declares, as class attributes and class methods of its `TokenBuilder` subclass:
- `config_class`: its `TokenBuilderConfig` dataclass (stored as `token_builder_config` in config.json);
- `visual_block_sizes(config, num_frames, num_questions)`: placeholder tokens at each `<video>` marker;
- `placeholder_text(config, block_size, video_token)`: the text a marker becomes (default: the placeholders alone;
  a builder may put its own marker tokens around parts of its block, as Valley's `markers`);
- `marker_per_question`: one marker per video (False), or one per user question (True: each question gets tokens);
- `needs_queries`: whether `forward` reads text queries made from the questions (its config then carries the
  query encoder's `QuerySettings`, and the model builds that encoder);
- `input_width(config)`: what the projector reads (default: the vision tower's width);
- `frozen`: whether the training stages leave it as it is (its config's `freeze`).
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import torch
from torch import nn

from ..vision_tower import VisionFeatures
from .query_encoder import QUERY_ENCODERS

if TYPE_CHECKING:
    from ..configuration_videoassist import VideoAssistConfig


@dataclass
class TokenBuilderConfig:
    """A token builder's own settings. Subclass it (as a dataclass) to add fields; every field needs a default."""

    freeze: bool = False  # keep the builder as it is: training leaves it out (e.g. a read-out trained apart)

    @classmethod
    def resolve(cls, settings: "TokenBuilderConfig | dict | None") -> "TokenBuilderConfig":
        """The settings as this class: None → the defaults, a dict (config.json, YAML) → checked field by field."""
        if settings is None:
            return cls()
        if isinstance(settings, cls):
            return settings
        if isinstance(settings, TokenBuilderConfig):
            raise ValueError(
                f"token_builder_config is a {type(settings).__name__}, this token mode needs a {cls.__name__}"
            )
        if not isinstance(settings, dict):
            raise ValueError(f"token_builder_config must be a mapping, got {settings!r}")
        return cls(**copy.deepcopy(cls._checked(settings)))  # its own lists, not the caller's

    @classmethod
    def _checked(cls, settings: dict) -> dict:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key, value in settings.items():
            if key not in fields:
                close = difflib.get_close_matches(str(key), fields, n=1)
                hint = f"did you mean {close[0]}?" if close else f"known: {', '.join(fields)}"
                raise ValueError(f"token_builder_config: unknown setting {key!r} of {cls.__name__} ({hint})")
            field = fields[key]
            default = field.default if field.default is not dataclasses.MISSING else field.default_factory()
            if default is not None and not _same_kind(value, default):
                raise ValueError(
                    f"token_builder_config.{key}: expected {type(default).__name__}, got {value!r}"
                )
        return settings

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _same_kind(value, default) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple))
    return isinstance(value, type(default))


@dataclass
class QuerySettings:
    """Settings of the query encoder that turns each question into text queries (builders with `needs_queries`):
    `cross_attention` = learnable latent queries attending over the question's LLM token embeddings; `qformer` =
    LLaMA-VID's InstructBLIP Q-Former over the question (its own BERT tokenizer) and each frame (query_encoder.py)."""

    query_encoder: str = "cross_attention"
    num_queries: int = 32
    query_heads: int = 8  # cross_attention's heads (the Q-Former's are in `qformer`)
    max_query_tokens: int = 64  # question tokens the encoder reads (the processor truncates to this)
    # qformer: its InstructBlipQFormerConfig settings (hidden_size, num_hidden_layers, vocab_size, …; empty: BERT-base
    # as InstructBLIP); its encoder_hidden_size is the vision width.
    qformer: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.query_encoder not in QUERY_ENCODERS:
            raise ValueError(f"query_encoder must be one of {tuple(QUERY_ENCODERS)}, got {self.query_encoder!r}")
        if self.qformer and self.query_encoder != "qformer":
            raise ValueError(f"qformer settings are for query_encoder 'qformer', not {self.query_encoder!r}")


class TokenBuilder(nn.Module):
    """Frame features of one video → its visual tokens in the LLM width, in the order they fill its placeholders."""

    config_class: ClassVar[type[TokenBuilderConfig]] = TokenBuilderConfig
    needs_queries: ClassVar[bool] = False
    marker_per_question: ClassVar[bool] = False

    def __init__(self, config: "VideoAssistConfig"):
        super().__init__()
        self.config = config

    @property
    def settings(self) -> TokenBuilderConfig:
        return self.config.token_builder_config

    @property
    def frozen(self) -> bool:
        return self.settings.freeze

    @classmethod
    def input_width(cls, config: "VideoAssistConfig") -> int:
        """Features the projector reads per token."""
        return config.vision_width

    @classmethod
    def visual_block_sizes(cls, config: "VideoAssistConfig", num_frames: int, num_questions: int = 1) -> list[int]:
        """Placeholder tokens at each `<video>` marker of a conversation: one entry, or (`marker_per_question`) one
        per question, the first holding the video."""
        raise NotImplementedError

    @classmethod
    def placeholder_text(cls, config: "VideoAssistConfig", block_size: int, video_token: str) -> str:
        """What one `<video>` marker becomes in the text for a block of `block_size` visual tokens."""
        return video_token * block_size

    @classmethod
    def num_visual_tokens(cls, config: "VideoAssistConfig", num_frames: int, num_questions: int = 1) -> int:
        return sum(cls.visual_block_sizes(config, num_frames, num_questions))

    def forward(self, features: VisionFeatures, projector: nn.Module, queries: torch.Tensor | None = None):
        """→ [visual tokens, LLM width]. `queries` when `needs_queries`: [questions, num_queries, vision width], or
        [questions, frames, num_queries, vision width] from a query encoder that reads each frame."""
        raise NotImplementedError
