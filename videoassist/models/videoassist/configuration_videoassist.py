"""Configuration of VideoAssist: a vision tower, a token builder, a projector and a causal LLM.

The vision and text sub-configs are any Hugging Face configs (`AutoConfig`); every width and patch count is read
from them, never hard-coded. The token builder and projector are chosen by name.
"""

from __future__ import annotations

import re

from transformers import AutoConfig, PreTrainedConfig
from transformers.configuration_utils import SubConfigSpec

TOKEN_MODES = ("valley_v1", "valley_v2", "valley_v3", "llamavid", "objects")
PROJECTOR_TYPES = ("linear", "mlp2x_gelu")
QUERY_ENCODERS = ("cross_attention",)


class VideoAssistConfig(PreTrainedConfig):
    r"""
    Args:
        vision_config: config of the vision tower (any HF vision model that returns hidden states).
        text_config: config of the LLM (any `AutoModelForCausalLM`).
        token_mode: `valley_v1` (temporal mean of each patch + one CLS per frame), `valley_v2` (learned frame
            weights), `valley_v3` (temporal transformer per patch), `llamavid` (context + content tokens per frame)
            or `objects` (object-centric: each cell classified into one of `object_classes`, each class tracked
            over the frames, a count token and 5 tokens per object slot; see object_tokens.py).
        content_pool: llamavid content tokens per frame: `mean` (1 token) or `grid:N` (N×N tokens).
        projector_type: `linear` or `mlp2x_gelu`, from the vision width to the LLM width.
        select_layer: which hidden state of the vision tower to use (-2: second-to-last, as LLaVA and Valley).
        vision_grid: patch grid side of the vision tower's feature map; derived from `image_size // patch_size`
            when the vision config has them (ViTs), needed for conv nets.
        freeze_vision: keep the vision tower frozen (and run it without gradients).
        freeze_token_builder: keep the token builder as it is (the `objects` read-out, trained apart with direct
            supervision, is not retrained through the LLM).
        object_classes / object_slots / object_motions / object_events / object_max_count: the `objects` mode's
            object classes (cell classifier outputs), object slots shown to the LLM, and the sizes of its motion,
            event and count predictions.
        object_track_steps / object_width / object_layers / object_heads: the class tracks are resampled to this
            many time steps and read by a small transformer across classes of this width, depth and heads.
        freeze_llm: keep the LLM's own weights frozen (stage 1, and LoRA, whose adapters PEFT stores apart).
        temporal_heads / temporal_layers: valley_v3's transformer along time.
        query_encoder: how llamavid turns a question into text queries (`cross_attention`: learnable latent
            queries attending over the question's LLM token embeddings).
        num_queries / query_heads / max_query_tokens: size of that query encoder and the question tokens it reads.
        video_token: the placeholder string; `video_token_id` its id in the tokenizer. The id may lie outside the
            LLM's embedding table: placeholder positions are overwritten by visual tokens before the LLM runs.
        vision_name_or_path / llm_name_or_path: references (hub id or folder) to the frozen base models; when set,
            checkpoints store only the weights trained on top of them (and each base model that is not frozen).
    """

    model_type = "videoassist"
    sub_configs_defaults = {
        "vision_config": SubConfigSpec(config_class=AutoConfig, model_type="clip_vision_model"),
        "text_config": SubConfigSpec(config_class=AutoConfig, model_type="gemma3_text"),
    }

    vision_config: dict | PreTrainedConfig | None = None
    text_config: dict | PreTrainedConfig | None = None
    token_mode: str = "valley_v1"
    content_pool: str = "mean"
    projector_type: str = "mlp2x_gelu"
    select_layer: int = -2
    vision_grid: int | None = None
    freeze_vision: bool = True
    freeze_llm: bool = True
    freeze_token_builder: bool = False
    object_classes: int = 24
    object_slots: int = 3
    object_motions: int = 5
    object_events: int = 9
    object_max_count: int = 3
    object_track_steps: int = 8
    object_width: int = 128
    object_layers: int = 2
    object_heads: int = 4
    temporal_heads: int = 8
    temporal_layers: int = 1
    query_encoder: str = "cross_attention"
    num_queries: int = 32
    query_heads: int = 8
    max_query_tokens: int = 64
    video_token: str = "<video>"
    video_token_id: int | None = None
    vision_name_or_path: str | None = None
    llm_name_or_path: str | None = None
    tie_word_embeddings: bool = False

    def __post_init__(self, **kwargs):
        super().__post_init__(**kwargs)
        if self.token_mode not in TOKEN_MODES:
            raise ValueError(f"token_mode must be one of {TOKEN_MODES}, got {self.token_mode!r}")
        if self.projector_type not in PROJECTOR_TYPES:
            raise ValueError(f"projector_type must be one of {PROJECTOR_TYPES}, got {self.projector_type!r}")
        if self.query_encoder not in QUERY_ENCODERS:
            raise ValueError(f"query_encoder must be one of {QUERY_ENCODERS}, got {self.query_encoder!r}")
        self.content_tokens_per_frame  # validates content_pool

    # ---- sizes derived from the sub-configs -------------------------------------------------------------------

    @property
    def vision_width(self) -> int:
        """Width of the selected vision hidden state (ViT: hidden_size; conv net: that stage's channels)."""
        hidden_sizes = getattr(self.vision_config, "hidden_sizes", None)
        if hidden_sizes:  # conv nets: hidden_states = (stem, stage 1, …, stage n)
            widths = [getattr(self.vision_config, "embedding_size", hidden_sizes[0]), *hidden_sizes]
            return widths[self.select_layer]
        return self.vision_config.hidden_size

    @property
    def projector_in_features(self) -> int:
        """What the projector reads: vision features, or (`objects`) a distribution over the visual words: two name
        words per class, the motions, the events, start and partway, the counts and "empty"."""
        if self.token_mode == "objects":
            return 2 * self.object_classes + self.object_motions + self.object_events + 2 + self.object_max_count + 1
        return self.vision_width

    @property
    def text_width(self) -> int:
        return self.text_config.hidden_size

    @property
    def patch_grid(self) -> int:
        """Side of the square patch grid the vision tower yields per frame."""
        if self.vision_grid is not None:
            return self.vision_grid
        image_size = getattr(self.vision_config, "image_size", None)
        patch_size = getattr(self.vision_config, "patch_size", None)
        if not image_size or not patch_size:
            raise ValueError("vision_grid must be set for a vision tower without image_size and patch_size")
        return image_size // patch_size

    @property
    def content_tokens_per_frame(self) -> int:
        """llamavid: content tokens per frame (`mean` → 1, `grid:N` → N²)."""
        if self.content_pool == "mean":
            return 1
        match = re.fullmatch(r"grid:(\d+)", self.content_pool)
        if not match or int(match.group(1)) < 1:
            raise ValueError(f"content_pool must be 'mean' or 'grid:N', got {self.content_pool!r}")
        return int(match.group(1)) ** 2

    def num_visual_tokens(self, num_frames: int, num_questions: int = 1) -> int:
        """Visual tokens one video contributes to the LLM's input.

        Valley: every patch position pooled over time, plus one global (CLS) token per frame.
        Objects: one count token and five tokens per object slot, whatever the number of frames.
        LLaMA-VID: per frame one context token for the first question and the content tokens; every later question
        of the same conversation adds its own context token per frame (the content tokens are shared).
        """
        if self.token_mode == "llamavid":
            return num_frames * (1 + self.content_tokens_per_frame) + (max(num_questions, 1) - 1) * num_frames
        if self.token_mode == "objects":
            return 1 + 5 * self.object_slots
        return self.patch_grid**2 + num_frames

    def visual_block_sizes(self, num_frames: int, num_questions: int = 1) -> list[int]:
        """Placeholder tokens at each `<video>` marker of a conversation: the first holds the video, each later
        question's marker (llamavid only) holds that question's context tokens."""
        first = self.num_visual_tokens(num_frames, 1)
        if self.token_mode != "llamavid":
            return [first]
        return [first] + [num_frames] * (max(num_questions, 1) - 1)


__all__ = ["VideoAssistConfig", "TOKEN_MODES", "PROJECTOR_TYPES"]
