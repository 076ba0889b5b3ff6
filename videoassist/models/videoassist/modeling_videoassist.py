"""VideoAssistModel and VideoAssistForCausalLM: vision tower → token builder → projector → spliced into an LLM.

The split follows transformers' `llava_next_video`:
- `VideoAssistModel.get_video_features(pixel_values_videos, frames_per_video)` runs the vision tower: the features
  of each video, what the feature cache keeps (a question-dependent token builder, llamavid, turns them into
  visual tokens per question, so the cache holds them rather than the tokens); `VideoAssistModel.forward` gives
  the LLM's hidden states.
- `VideoAssistForCausalLM` adds the logits, the loss and `generate(input_ids, pixel_values_videos=… |
  video_features=…)`. It extends VideoAssistModel rather than wrapping it, so the weights keep the names every
  checkpoint has (`vision_tower.`, `token_builder.`, `projector.`, `query_encoder.`, `language_model.`) and PEFT
  wraps `model.language_model` as before.

The processor expands every `<video>` marker into exactly as many placeholder ids as the video has visual tokens,
and the model writes the visual tokens into those positions with `masked_scatter`. The placeholder id may lie
outside the LLM's vocabulary: it is never looked up in the embedding table, so the base LLM is used exactly as
released (no resized embeddings), which keeps checkpoints small.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from transformers import AutoModelForCausalLM, GenerationMixin, PreTrainedModel
from transformers.cache_utils import Cache
from transformers.modeling_outputs import BaseModelOutputWithPast, ModelOutput

from ...errors import ModelError
from .base_models import load_language_model, load_vision_model, vision_model_class
from .configuration_videoassist import VideoAssistConfig
from .projector import build_projector
from .stored_weights import read_stored_weights
from .token_builders.query_encoder import build_query_encoder
from .vision_tower import VisionFeatures, VisionTower

# Inputs that describe the video: used to build the prompt's embeddings, then dropped during decoding.
VIDEO_INPUTS = (
    "pixel_values_videos",
    "frames_per_video",
    "video_features",
    "query_input_ids",
    "query_attention_mask",
    "queries_per_video",
)


@dataclass
class VideoAssistCausalLMOutput(ModelOutput):
    """loss: mean cross-entropy over the labelled tokens; logits: only at the positions asked for (all positions
    without labels, only the positions that predict a label when labels are given)."""

    loss: torch.FloatTensor | None = None
    logits: torch.FloatTensor | None = None
    cache: Cache | None = None
    hidden_states: tuple[torch.FloatTensor, ...] | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None


class VideoAssistPreTrainedModel(PreTrainedModel):
    config_class = VideoAssistConfig
    config: VideoAssistConfig
    base_model_prefix = ""
    supports_gradient_checkpointing = True
    _supports_sdpa = True

    @torch.no_grad()
    def _init_weights(self, module):
        super()._init_weights(module)
        if hasattr(module, "latents"):  # the query encoder's learnable queries
            nn.init.normal_(module.latents, std=module.latents.shape[-1] ** -0.5)
        if hasattr(module, "query_tokens"):  # the Q-Former's, as InstructBLIP initialises them
            nn.init.normal_(module.query_tokens, std=module.qformer.config.initializer_range)


class VideoAssistModel(VideoAssistPreTrainedModel):
    """The vision tower, token builder, projector, query encoder (builders that need queries) and the causal LLM,
    held whole (its head is VideoAssistForCausalLM's)."""

    def __init__(
        self,
        config: VideoAssistConfig,
        vision_model: PreTrainedModel | None = None,
        language_model: PreTrainedModel | None = None,
    ):
        super().__init__(config)
        if vision_model is None:
            vision_model = vision_model_class(config.vision_config)._from_config(config.vision_config)
        self.vision_tower = VisionTower(vision_model, config.select_layer, frozen=config.freeze_vision)
        builder_class = config.token_builder_class
        self.token_builder = builder_class(config)
        self.projector = build_projector(config.projector_type, config.projector_in_features, config.text_width)
        self.query_encoder = build_query_encoder(config) if builder_class.needs_queries else None
        self.language_model = (
            language_model if language_model is not None else AutoModelForCausalLM.from_config(config.text_config)
        )
        if config.freeze_llm:
            self.language_model.requires_grad_(False)
        self.post_init()

    # ---- plumbing that Trainer, PEFT and generate expect ------------------------------------------------------

    def get_input_embeddings(self) -> nn.Module:
        return self.language_model.get_input_embeddings()

    def set_input_embeddings(self, value: nn.Module):
        self.language_model.set_input_embeddings(value)

    def get_output_embeddings(self) -> nn.Module:
        return self.language_model.get_output_embeddings()

    def trained_modules(self) -> dict[str, nn.Module]:
        """The modules trained on top of the base models (stage 1 trains exactly these)."""
        modules = {"projector": self.projector}
        if not self.token_builder.frozen:
            modules["token_builder"] = self.token_builder
        if self.query_encoder is not None:
            modules["query_encoder"] = self.query_encoder
        return modules

    # ---- video → visual tokens -------------------------------------------------------------------------------

    def get_video_features(
        self, pixel_values_videos: torch.Tensor, frames_per_video: list[int] | torch.Tensor
    ) -> list[VisionFeatures]:
        """The frames of all videos ([sum of T, 3, h, w], as the processor gives them) through the vision tower as one
        batch, split per video: each a global token [T, D] and a patch grid [T, P, D] per frame."""
        features = self.vision_tower(pixel_values_videos.to(self.device))
        return features.split([int(n) for n in frames_per_video])

    def encode_queries(
        self, query_input_ids: torch.Tensor, query_attention_mask: torch.Tensor, features: VisionFeatures
    ) -> torch.Tensor:
        """One video's questions → text queries [Q, num_queries, vision width], or [Q, T, …] from a query encoder
        that reads the frames (the Q-Former). The ids are the LLM's (embedded here, frozen) or the query encoder's
        own tokenizer's, as the encoder says (`reads_llm_tokens`)."""
        query_input_ids, query_attention_mask = query_input_ids.to(self.device), query_attention_mask.to(self.device)
        text = query_input_ids
        if self.query_encoder.reads_llm_tokens:
            text = self.get_input_embeddings()(query_input_ids).detach()
        return self.query_encoder(text, query_attention_mask, features)

    def visual_tokens(
        self,
        video_features: list[VisionFeatures],
        query_input_ids: torch.Tensor | None = None,
        query_attention_mask: torch.Tensor | None = None,
        queries_per_video: list[int] | None = None,
    ) -> torch.Tensor:
        """The tokens of every video, concatenated in batch order: [sum of visual tokens, LLM width]."""
        video_features = [f.to(self.device) for f in video_features]
        if not self.token_builder.needs_queries:
            per_video = [self.token_builder(f, self.projector) for f in video_features]
        else:
            if query_input_ids is None or queries_per_video is None:
                raise ValueError(f"{self.config.token_mode} needs the questions: query_input_ids and queries_per_video")
            counts = [int(n) for n in queries_per_video]
            per_video = [
                self.token_builder(f, self.projector, self.encode_queries(ids, mask, f))
                for f, ids, mask in zip(
                    video_features, query_input_ids.split(counts), query_attention_mask.split(counts), strict=True
                )
            ]
        return torch.cat(per_video, dim=0)

    def embed_inputs(
        self,
        input_ids: torch.LongTensor,
        pixel_values_videos: torch.Tensor | None = None,
        frames_per_video: list[int] | torch.Tensor | None = None,
        video_features: list[VisionFeatures] | None = None,
        query_input_ids: torch.Tensor | None = None,
        query_attention_mask: torch.Tensor | None = None,
        queries_per_video: list[int] | torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Token embeddings with the visual tokens written into the placeholder positions. The videos come as
        pixel values (encoded here) or as the features `get_video_features` gave (cached)."""
        placeholder = input_ids == self.config.video_token_id
        embeds = self.get_input_embeddings()(input_ids.masked_fill(placeholder, 0))
        if video_features is None and pixel_values_videos is not None:
            video_features = self.get_video_features(pixel_values_videos, frames_per_video)
        if video_features is None:
            if placeholder.any():
                raise ValueError("input_ids contain video placeholders but no pixel_values_videos or video_features")
            return embeds
        visual = self.visual_tokens(video_features, query_input_ids, query_attention_mask, queries_per_video)
        if visual.shape[0] != int(placeholder.sum()):
            raise ValueError(
                f"the videos give {visual.shape[0]} visual tokens but the text has {int(placeholder.sum())} "
                "placeholders: build the inputs with VideoAssistProcessor for this model's config"
            )
        return embeds.masked_scatter(placeholder.unsqueeze(-1), visual.to(embeds.dtype))

    # ---- forward --------------------------------------------------------------------------------------------

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.LongTensor | None = None,
        cache: Cache | None = None,
        inputs_embeds: torch.FloatTensor | None = None,
        pixel_values_videos: torch.FloatTensor | None = None,
        frames_per_video: list[int] | torch.Tensor | None = None,
        video_features: list[VisionFeatures] | None = None,
        query_input_ids: torch.LongTensor | None = None,
        query_attention_mask: torch.Tensor | None = None,
        queries_per_video: list[int] | torch.Tensor | None = None,
        use_cache: bool | None = None,
        **kwargs,
    ) -> BaseModelOutputWithPast:
        """The LLM body's hidden states over the text with the visual tokens in it."""
        inputs_embeds = self._inputs_embeds(input_ids, inputs_embeds, pixel_values_videos, frames_per_video,
                                            video_features, query_input_ids, query_attention_mask, queries_per_video)
        return self.language_model.get_decoder()(
            inputs_embeds=inputs_embeds,
            attention_mask=attention_mask,
            position_ids=position_ids,
            cache=cache,
            use_cache=use_cache,
            **kwargs,
        )

    def _inputs_embeds(self, input_ids, inputs_embeds, *video_inputs) -> torch.Tensor:
        """`inputs_embeds` as given, or made from `input_ids` and the video inputs (`embed_inputs`'s, in its order)."""
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("give exactly one of input_ids or inputs_embeds")
        return inputs_embeds if inputs_embeds is not None else self.embed_inputs(input_ids, *video_inputs)

    # ---- checkpoints: trained weights + references to the frozen base models ---------------------------------

    @property
    def references_base_models(self) -> bool:
        return bool(self.config.vision_name_or_path or self.config.llm_name_or_path)

    def _trained_state_dict(self) -> dict[str, torch.Tensor]:
        """What a checkpoint must store: everything but the frozen base models it references."""
        skip = []
        if self.config.vision_name_or_path and self.config.freeze_vision:
            skip.append("vision_tower.")
        if self.config.llm_name_or_path and self.config.freeze_llm:
            skip.append("language_model.")
        return {k: v for k, v in self.state_dict().items() if not k.startswith(tuple(skip))}

    def save_pretrained(self, save_directory, **kwargs):
        if self.references_base_models and "state_dict" not in kwargs:
            kwargs["state_dict"] = self._trained_state_dict()
        super().save_pretrained(save_directory, safe_serialization=True, **kwargs)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        config = kwargs.pop("config", None) or VideoAssistConfig.from_pretrained(pretrained_model_name_or_path)
        if not (config.vision_name_or_path or config.llm_name_or_path):
            return super().from_pretrained(pretrained_model_name_or_path, *args, config=config, **kwargs)
        return cls.from_references(pretrained_model_name_or_path, config, dtype=kwargs.get("dtype"))

    @classmethod
    def from_references(cls, folder, config: VideoAssistConfig, dtype=None) -> "VideoAssistForCausalLM":
        """Load the referenced base models, then the weights stored in `folder` (safetensors only): the trained
        modules, and any base model the config does not reference (e.g. a vision tower trained from scratch)."""
        vision = llm = None
        if config.vision_name_or_path:
            vision = load_vision_model(config.vision_name_or_path, config.vision_config, dtype=dtype)
        if config.llm_name_or_path:
            llm = load_language_model(config.llm_name_or_path, config.text_config, dtype=dtype)
        model = cls(config, vision_model=vision, language_model=llm)
        missing, unexpected = model.load_state_dict(read_stored_weights(folder), strict=False)
        expected = set(model._trained_state_dict())
        if unexpected or expected & set(missing):
            raise ModelError(
                f"{folder}: weights do not match the config "
                f"(missing {sorted(expected & set(missing))[:5]}, unexpected {sorted(unexpected)[:5]})"
            )
        if dtype is not None:
            model.to(dtype)
        return model.eval()


class VideoAssistForCausalLM(VideoAssistModel, GenerationMixin):
    """VideoAssistModel with the LLM's logits and loss, and `generate`: the videos come as `pixel_values_videos`
    (+ `frames_per_video`) or as cached `video_features`, and are written into the prompt's placeholders once, in
    the first step (the key-value cache holds them after)."""

    def __init__(
        self,
        config: VideoAssistConfig,
        vision_model: PreTrainedModel | None = None,
        language_model: PreTrainedModel | None = None,
    ):
        super().__init__(config, vision_model=vision_model, language_model=language_model)
        self.generation_config = self.language_model.generation_config
        if config.video_token_id is not None and config.video_token_id < config.text_config.vocab_size:
            # The placeholder is an ordinary vocabulary entry here: never generate it.
            self.generation_config.suppress_tokens = [config.video_token_id]

    def forward(
        self,
        input_ids: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        position_ids: torch.LongTensor | None = None,
        cache: Cache | None = None,
        inputs_embeds: torch.FloatTensor | None = None,
        labels: torch.LongTensor | None = None,
        pixel_values_videos: torch.FloatTensor | None = None,
        frames_per_video: list[int] | torch.Tensor | None = None,
        video_features: list[VisionFeatures] | None = None,
        query_input_ids: torch.LongTensor | None = None,
        query_attention_mask: torch.Tensor | None = None,
        queries_per_video: list[int] | torch.Tensor | None = None,
        use_cache: bool | None = None,
        logits_to_keep: int | torch.Tensor = 0,
        num_items_in_batch: int | torch.Tensor | None = None,
        **kwargs,
    ) -> VideoAssistCausalLMOutput:
        inputs_embeds = self._inputs_embeds(input_ids, inputs_embeds, pixel_values_videos, frames_per_video,
                                            video_features, query_input_ids, query_attention_mask, queries_per_video)
        if labels is not None:
            # Logits only where a label is predicted: the LM head over a large vocabulary is most of the cost.
            predicts_label = (labels[:, 1:] != -100).any(0)
            logits_to_keep = predicts_label.nonzero().squeeze(-1)
        outputs = self.language_model(
            inputs_embeds=inputs_embeds,
            attention_mask=attention_mask,
            position_ids=position_ids,
            cache=cache,
            use_cache=use_cache,
            logits_to_keep=logits_to_keep,
            **kwargs,
        )
        loss = None
        if labels is not None:
            targets = labels[:, 1:][:, logits_to_keep]
            loss = F.cross_entropy(
                outputs.logits.float().flatten(0, 1), targets.flatten().to(outputs.logits.device), reduction="sum"
            )
            count = num_items_in_batch if num_items_in_batch is not None else (targets != -100).sum()
            loss = loss / torch.as_tensor(count, device=loss.device).clamp(min=1)
        return VideoAssistCausalLMOutput(
            loss=loss,
            logits=outputs.logits,
            cache=outputs.cache,
            hidden_states=outputs.hidden_states,
            attentions=outputs.attentions,
        )

    def prepare_inputs_for_generation(
        self,
        input_ids: torch.LongTensor,
        cache: Cache | None = None,
        attention_mask: torch.Tensor | None = None,
        inputs_embeds: torch.FloatTensor | None = None,
        is_first_iteration: bool | None = False,
        **kwargs,
    ):
        model_inputs = super().prepare_inputs_for_generation(
            input_ids,
            cache=cache,
            attention_mask=attention_mask,
            inputs_embeds=inputs_embeds,
            is_first_iteration=is_first_iteration,
            **kwargs,
        )
        if not is_first_iteration and model_inputs.get("cache") is not None:
            for key in VIDEO_INPUTS:  # the visual tokens are in the cache already
                model_inputs.pop(key, None)
        return model_inputs


__all__ = ["VideoAssistModel", "VideoAssistForCausalLM", "VideoAssistPreTrainedModel", "VideoAssistCausalLMOutput"]
