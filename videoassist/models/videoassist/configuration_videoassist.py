"""Configuration of VideoAssist: a vision tower, a token builder, a projector and a causal LLM.

The vision and text sub-configs are any Hugging Face configs (`AutoConfig`); every width and patch count is read
from them, never hard-coded. The token builder is a registered plug-in chosen by `token_mode`, with its own
settings in `token_builder_config` (token_builders/); the projector is chosen by name.
"""

from __future__ import annotations

import math

from transformers import AutoConfig, PreTrainedConfig
from transformers.configuration_utils import SubConfigSpec

from .. import efficientnet_lite  # noqa: F401  (registers the ImageNet EfficientNet-Lite tower with the Auto classes)
from .. import eva_vit  # noqa: F401  (registers LLaMA-VID's EVA-ViT-G tower with AutoConfig and AutoModel)
from .token_builders import TokenBuilder, TokenBuilderConfig, get_token_builder
from .token_builders.legacy import LEGACY_KEYS, builder_settings_from_flat_keys

PROJECTOR_TYPES = ("linear", "mlp2x_gelu")


class VideoAssistConfig(PreTrainedConfig):
    r"""
    Args:
        vision_config: config of the vision tower (any HF vision model that returns hidden states).
        text_config: config of the LLM (any `AutoModelForCausalLM`).
        token_mode: the token builder, by its registered name: `valley_v1` (temporal mean of each patch + one CLS
            per frame), `valley_v2` (learned frame weights), `valley_v3` (temporal transformer per patch),
            `llamavid` (context + content tokens per frame), `objects` (object-centric words), or a plug-in's.
        token_builder_config: that builder's own settings (its `config_class`: a dict in config.json), e.g.
            llamavid's `content_pool` and query encoder, valley_v3's `temporal_heads`, the `objects` vocabulary,
            and `freeze` (keep the builder as it is while training). Old checkpoints kept them flat at the top
            level: they are read in by token_builders/legacy.py.
        projector_type: `linear` or `mlp2x_gelu`, from the builder's input width to the LLM width.
        select_layer: which hidden state of the vision tower to use (-2: second-to-last, as LLaVA and Valley).
        vision_grid: patch grid side of the vision tower's feature map; derived from `image_size // patch_size`
            when the vision config has them (ViTs), from `num_patches` (SigLIP2 NaFlex) or from `hidden_strides`
            (EfficientNet-Lite); needed for other conv nets.
        freeze_vision: keep the vision tower frozen (and run it without gradients).
        freeze_llm: keep the LLM's own weights frozen (stage 1, and LoRA, whose adapters PEFT stores apart).
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
    token_builder_config: dict | TokenBuilderConfig | None = None
    projector_type: str = "mlp2x_gelu"
    select_layer: int = -2
    vision_grid: int | None = None
    freeze_vision: bool = True
    freeze_llm: bool = True
    video_token: str = "<video>"
    video_token_id: int | None = None
    vision_name_or_path: str | None = None
    llm_name_or_path: str | None = None
    tie_word_embeddings: bool = False

    def __post_init__(self, **kwargs):
        flat = {key: kwargs.pop(key) for key in LEGACY_KEYS if key in kwargs}
        super().__post_init__(**kwargs)
        builder = get_token_builder(self.token_mode)
        if flat:
            if self.token_builder_config is not None:
                raise ValueError(f"{', '.join(flat)}: old top-level token builder settings; give them in "
                                 "token_builder_config instead")
            self.token_builder_config = builder_settings_from_flat_keys(self.token_mode, flat)
        self.token_builder_config = builder.config_class.resolve(self.token_builder_config)
        if self.projector_type not in PROJECTOR_TYPES:
            raise ValueError(f"projector_type must be one of {PROJECTOR_TYPES}, got {self.projector_type!r}")

    def to_dict(self) -> dict:
        output = super().to_dict()
        output["token_builder_config"] = self.token_builder_config.to_dict()
        return output

    @property
    def token_builder_class(self) -> type[TokenBuilder]:
        builder = get_token_builder(self.token_mode)
        if not isinstance(self.token_builder_config, builder.config_class):
            raise ValueError(f"token_builder_config is a {type(self.token_builder_config).__name__}, token_mode "
                             f"{self.token_mode!r} needs a {builder.config_class.__name__}")
        return builder

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
        """What the projector reads per token (the builder's input width: vision features, or its own)."""
        return self.token_builder_class.input_width(self)

    @property
    def text_width(self) -> int:
        return self.text_config.hidden_size

    @property
    def patch_grid(self) -> int:
        """Side of the square patch grid the vision tower yields per frame: image_size // patch_size (ViTs),
        image_size // the selected map's stride (conv nets whose config gives `hidden_strides`), or
        the square root of num_patches (SigLIP2 NaFlex, whose frames are cut into that square grid)."""
        if self.vision_grid is not None:
            return self.vision_grid
        image_size = getattr(self.vision_config, "image_size", None)
        patch_size = getattr(self.vision_config, "patch_size", None)
        num_patches = getattr(self.vision_config, "num_patches", None)
        strides = getattr(self.vision_config, "hidden_strides", None)  # conv nets that state each map's stride
        if strides and image_size:
            return image_size // strides[self.select_layer]
        if patch_size and image_size:
            return image_size // patch_size
        if num_patches:
            return math.isqrt(num_patches)
        raise ValueError("vision_grid must be set for a vision tower without image_size and patch_size")

    def num_visual_tokens(self, num_frames: int, num_questions: int = 1) -> int:
        """Visual tokens one video contributes to the LLM's input (see each builder's `visual_block_sizes`)."""
        return self.token_builder_class.num_visual_tokens(self, num_frames, num_questions)

    def visual_block_sizes(self, num_frames: int, num_questions: int = 1) -> list[int]:
        """Placeholder tokens at each `<video>` marker of a conversation: the first holds the video; a builder with
        a marker per question gives each later question's marker its own tokens."""
        return self.token_builder_class.visual_block_sizes(self, num_frames, num_questions)


__all__ = ["VideoAssistConfig", "PROJECTOR_TYPES"]
