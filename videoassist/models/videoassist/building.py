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


def build(
    vision: str,
    llm: str,
    token_mode: str = VideoAssistConfig.token_mode,
    dtype=None,
    sampling: SamplingConfig | None = None,
    **settings,
) -> tuple[VideoAssistForCausalLM, VideoAssistProcessor]:
    """A new VideoAssist model on two released base models, with a fresh token builder and projector (and query
    encoder): what `videoassist train` builds when the config's `model.base` is empty (`model.vision`,
    `model.llm` and the other `model:` fields are these arguments).

        model, processor = videoassist.build(vision="google/siglip-so400m-patch14-384",
                                             llm="Qwen/Qwen2.5-1.5B-Instruct", token_mode="valley_v3")

    vision: a hub id or folder of any HF vision model: a vision-only one (CLIPVisionModel, SiglipVisionModel,
        Siglip2VisionModel, a conv net, …) or a two-tower one (CLIPModel, SiglipModel, Siglip2Model), of which only
        the vision tower is loaded. Its sizes (width, patch grid, CLS token or none, NaFlex patch input) are read
        from its config and its image processor's settings become the video processor's.
    llm: a hub id or folder of any `AutoModelForCausalLM` (Qwen2.5, Llama, Gemma 3, …); its tokenizer gets the
        `<video>` placeholder as a special token. Its embeddings are left as released: placeholder positions are
        filled with visual tokens before the LLM reads them, so the id needs no row (see modeling_videoassist).
    token_mode, settings: VideoAssistConfig fields (token_builder_config, projector_type, select_layer, …).
    sampling: the frames each video gives (saved with the processor); the processor's default otherwise.
    dtype: of the two base models (e.g. torch.bfloat16).
    Save the pair with `videoassist.checkpoints.folder.save_checkpoint(model, processor, folder)`: the folder
    stores the new modules and references the two base models.
    """
    video_token = settings.pop("video_token", VideoAssistConfig.video_token)
    tokenizer = video_tokenizer(llm, video_token)
    video_processor = VideoAssistVideoProcessor.from_vision_tower(vision)
    vision_model = load_vision_model(vision, dtype=dtype)
    language_model = load_language_model(llm, dtype=dtype)
    config = VideoAssistConfig(
        vision_config=vision_model.config.to_dict(),
        text_config=language_model.config.to_dict(),
        token_mode=token_mode,
        video_token=video_token,
        video_token_id=tokenizer.convert_tokens_to_ids(video_token),
        vision_name_or_path=str(vision),
        llm_name_or_path=str(llm),
        **settings,
    )
    model = VideoAssistForCausalLM(config, vision_model=vision_model, language_model=language_model)
    return model, VideoAssistProcessor(video_processor, tokenizer, config, sampling)
