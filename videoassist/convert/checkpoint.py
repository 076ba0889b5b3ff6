"""The converted VideoAssist checkpoint itself: a config that references the base folders written beside it
(`base_vision/`, `base_llm/`, absolute paths), the weights trained on top of them, and the tower's image settings."""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import save_file
from transformers import PretrainedConfig

from ..models.videoassist import VideoAssistConfig, VideoAssistVideoProcessor


def base_folders(output: Path) -> tuple[Path, Path]:
    """Where a converter writes the vision tower and the LLM extracted from the release."""
    return output / "base_vision", output / "base_llm"


def referencing_config(vision_config: PretrainedConfig, text_config: PretrainedConfig, tokenizer, output: Path,
                       **settings) -> VideoAssistConfig:
    """`settings`: the release's VideoAssistConfig fields (token_mode, token_builder_config, projector_type, …)."""
    video_token = VideoAssistConfig.video_token
    vision_dir, llm_dir = base_folders(output)
    return VideoAssistConfig(
        vision_config=vision_config.to_dict(),
        text_config=text_config.to_dict(),
        video_token=video_token,
        video_token_id=tokenizer.convert_tokens_to_ids(video_token),
        vision_name_or_path=str(vision_dir.resolve()),
        llm_name_or_path=str(llm_dir.resolve()),
        **settings,
    )


def save_checkpoint(output: Path, config: VideoAssistConfig, trained: dict[str, torch.Tensor],
                    image_processor) -> VideoAssistVideoProcessor:
    """Write config.json, model.safetensors and the tower's image processor; → the video processor with its
    settings (for the processor the converter saves next)."""
    config.save_pretrained(output)
    save_file({k: v.contiguous() for k, v in trained.items()}, str(output / "model.safetensors"),
              metadata={"format": "pt"})
    image_processor.save_pretrained(base_folders(output)[0])
    return VideoAssistVideoProcessor(**image_processor.to_dict())
