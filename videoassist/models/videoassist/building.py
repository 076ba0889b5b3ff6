"""A new VideoAssist model on top of released base models: the start of stage 1."""

from __future__ import annotations

from transformers import AutoTokenizer

from ...video import SamplingConfig
from .base_models import load_language_model, load_vision_model
from .configuration_videoassist import VideoAssistConfig
from .modeling_videoassist import VideoAssistForCausalLM
from .processing_videoassist import VideoAssistProcessor
from .video_processing_videoassist import VideoAssistVideoProcessor


def video_tokenizer(llm_name_or_path: str, video_token: str = VideoAssistConfig.video_token):
    """The LLM's tokenizer with the `<video>` placeholder as a special token (added if it lacks one)."""
    tokenizer = AutoTokenizer.from_pretrained(llm_name_or_path)
    if video_token not in tokenizer.get_vocab():
        tokenizer.add_special_tokens({"additional_special_tokens": [video_token]})
    return tokenizer


def build_from_base_models(
    vision_name_or_path: str,
    llm_name_or_path: str,
    dtype=None,
    sampling: SamplingConfig | None = None,
    **settings,
) -> tuple[VideoAssistForCausalLM, VideoAssistProcessor]:
    """Vision tower + LLM (hub ids or folders) → a VideoAssist model with fresh token builder and projector.

    `settings` are VideoAssistConfig fields (token_mode, token_builder_config, projector_type, …). The tokenizer
    gets the `<video>` placeholder token; the LLM's embeddings are left as released (see modeling_videoassist).
    """
    video_token = settings.pop("video_token", VideoAssistConfig.video_token)
    tokenizer = video_tokenizer(llm_name_or_path, video_token)
    video_processor = VideoAssistVideoProcessor.from_pretrained(vision_name_or_path)  # the tower's image settings
    vision_model = load_vision_model(vision_name_or_path, dtype=dtype)
    language_model = load_language_model(llm_name_or_path, dtype=dtype)
    config = VideoAssistConfig(
        vision_config=vision_model.config.to_dict(),
        text_config=language_model.config.to_dict(),
        video_token=video_token,
        video_token_id=tokenizer.convert_tokens_to_ids(video_token),
        vision_name_or_path=str(vision_name_or_path),
        llm_name_or_path=str(llm_name_or_path),
        **settings,
    )
    model = VideoAssistForCausalLM(config, vision_model=vision_model, language_model=language_model)
    return model, VideoAssistProcessor(video_processor, tokenizer, config, sampling)
