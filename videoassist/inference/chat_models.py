"""What VideoAssistant asks of a loaded model, one adapter per kind of model: our VideoAssistForCausalLM, or one of
transformers' own video LLMs (hf_chat.py). The assistant's loop (sample frames, cache the video, prompt, generate,
stream, decode) is the same for both; only these steps differ:

    sampling   the default frame sampling (SamplingConfig)
    identity   what the feature cache's key names besides the file and the sampling
    encode     sampled frames + timestamps → the video as the cache keeps it
    prompt     a chat (earlier turns + the question) and the cached video → generate's inputs, and the number of
               positions in them that hold the video
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..checkpoints.lora import has_lora, merge_lora
from ..models.videoassist import VideoAssistForCausalLM
from ..video import SamplingConfig
from .feature_cache import CachedVideo
from .precision import apply_precision, resolve_precision


@dataclass
class ChatPrompt:
    inputs: dict  # generate's keyword arguments for the prompt and the video, on the model's device
    visual_tokens: int  # positions of the prompt that the video's features fill


class ChatModel:
    """The model-specific steps of a question; a subclass per kind of model."""

    def __init__(self, model, processor):
        self.model = model
        self.processor = processor

    @property
    def tokenizer(self):
        return self.processor.tokenizer

    @property
    def pad_token_id(self) -> int | None:
        return self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id

    @property
    def sampling(self) -> SamplingConfig:
        raise NotImplementedError

    @property
    def identity(self) -> str:
        raise NotImplementedError

    def encode(self, frames, timestamps: list[float]):
        raise NotImplementedError

    def prompt(self, messages: list[dict], video: CachedVideo) -> ChatPrompt:
        raise NotImplementedError

    @property
    def head_owner(self):
        """The module whose get/set_output_embeddings are the LM head."""
        raise NotImplementedError

    @property
    def decoder(self):
        """The LLM's decoder layers (without the LM head): whose linear layers a low-bit precision packs."""
        raise NotImplementedError

    def decode(self, token_ids) -> str:
        return self.tokenizer.decode(token_ids, skip_special_tokens=True)

    def prepare(self, precision: str) -> str | None:
        """Ready for answering: the LLM in `precision` (precision.py; `auto` resolved for the model's device; fp32
        and bf16 cast the whole model, whose parts share one dtype). → the precision applied, None when `auto`
        kept the checkpoint's dtype."""
        resolved = resolve_precision(precision, self.model.device)
        apply_precision(resolved, self.model, self.decoder, self.head_owner)
        return resolved


class VideoAssistChat(ChatModel):
    """Our model: the video is encoded once into vision features, which the cache keeps and generate reads."""

    @property
    def sampling(self) -> SamplingConfig:
        return self.processor.sampling

    @property
    def identity(self) -> str:
        return self.model.config.vision_name_or_path

    @property
    def head_owner(self):
        return self.model.language_model

    @property
    def decoder(self):
        return self.model.language_model.get_decoder()

    def encode(self, frames, timestamps: list[float]):
        pixels = self.processor.video_processor(frames)["pixel_values_videos"]
        with torch.inference_mode():
            return self.model.get_video_features(pixels, [len(pixels)])[0]

    def prompt(self, messages: list[dict], video: CachedVideo) -> ChatPrompt:
        inputs = self.processor([messages], num_frames=[len(video.timestamps)], add_generation_prompt=True)
        del inputs["labels"]
        visual_tokens = int((inputs["input_ids"] == self.processor.video_token_id).sum())
        return ChatPrompt({**inputs.to(self.model.device), "video_features": [video.features]}, visual_tokens)

    def prepare(self, precision: str) -> str | None:
        """A LoRA checkpoint's adapter is folded into the LLM's weights first (the same arithmetic, without two
        extra matrix products per layer and token)."""
        if has_lora(self.model):
            merge_lora(self.model)
        return super().prepare(precision)


def chat_model_for(model, processor) -> ChatModel:
    if isinstance(model, VideoAssistForCausalLM):
        return VideoAssistChat(model, processor)
    from .hf_chat import HFVideoChat

    return HFVideoChat(model, processor)


__all__ = ["ChatModel", "ChatPrompt", "VideoAssistChat", "chat_model_for"]
