"""The VideoAssist model as transformers classes, registered with the Auto classes on import.

    configuration_videoassist    VideoAssistConfig: vision and text sub-configs, token_mode, projector_type
    modeling_videoassist         VideoAssistModel / VideoAssistForCausalLM: tower → token builder → projector → LLM
    processing_videoassist       VideoAssistProcessor: chat rendering, <video> placeholders, labels (and
                                 VideoAssistQFormerProcessor: questions in a Q-Former's own vocabulary)
    video_processing_videoassist VideoAssistVideoProcessor: frames → pixel values
    vision_tower                 any HF vision model → a global token and a patch grid per frame
    token_builders/              features → visual tokens, one plug-in per token_mode
    projector                    vision width → LLM width
    building, base_models        a new model on released base models; loading those base models
    stored_weights               the reader of a checkpoint's weight files
"""

from transformers import AutoConfig, AutoModel, AutoModelForCausalLM

from .building import build, video_tokenizer
from .configuration_videoassist import VideoAssistConfig
from .modeling_videoassist import VideoAssistCausalLMOutput, VideoAssistForCausalLM, VideoAssistModel
from .processing_videoassist import IGNORE_INDEX, VideoAssistProcessor, VideoAssistQFormerProcessor
from .video_processing_videoassist import VideoAssistVideoProcessor
from .vision_tower import VisionFeatures

AutoConfig.register("videoassist", VideoAssistConfig)
AutoModel.register(VideoAssistConfig, VideoAssistModel)
AutoModelForCausalLM.register(VideoAssistConfig, VideoAssistForCausalLM)

__all__ = [
    "build",
    "video_tokenizer",
    "VideoAssistConfig",
    "VideoAssistModel",
    "VideoAssistForCausalLM",
    "VideoAssistCausalLMOutput",
    "VideoAssistProcessor",
    "VideoAssistQFormerProcessor",
    "VideoAssistVideoProcessor",
    "VisionFeatures",
    "IGNORE_INDEX",
]
