from transformers import AutoConfig, AutoModel, AutoModelForCausalLM

from .building import build_from_base_models, video_tokenizer
from .configuration_videoassist import VideoAssistConfig
from .modeling_videoassist import VideoAssistCausalLMOutput, VideoAssistForCausalLM, VideoAssistModel
from .processing_videoassist import IGNORE_INDEX, VideoAssistProcessor
from .video_processing_videoassist import VideoAssistVideoProcessor
from .vision_tower import VisionFeatures

AutoConfig.register("videoassist", VideoAssistConfig)
AutoModel.register(VideoAssistConfig, VideoAssistModel)
AutoModelForCausalLM.register(VideoAssistConfig, VideoAssistForCausalLM)

__all__ = [
    "build_from_base_models",
    "video_tokenizer",
    "VideoAssistConfig",
    "VideoAssistModel",
    "VideoAssistForCausalLM",
    "VideoAssistCausalLMOutput",
    "VideoAssistProcessor",
    "VideoAssistVideoProcessor",
    "VisionFeatures",
    "IGNORE_INDEX",
]
