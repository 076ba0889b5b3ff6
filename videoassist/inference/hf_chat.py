"""transformers' own video LLMs (checkpoints/hf_video.py) behind VideoAssistant: our sampled frames and their
timestamps go to the model's processor as one video, in the model's own chat template.

The cache keeps the sampled frames with their timing (a second question neither decodes nor samples the file);
the model's processor and vision tower see them again with each question, since these models take pixels, not
features, in `generate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from transformers.video_utils import VideoMetadata

from ..video import SamplingConfig
from .chat_models import ChatModel, ChatPrompt
from .feature_cache import CachedVideo

DEFAULT_SAMPLING = SamplingConfig(num_frames=8)  # what the LLaVA-family video models were trained on
# Frame indices are given in milliseconds: the processors read a frame's time as index / fps.
CLOCK = 1000.0


@dataclass
class SampledVideo:
    frames: np.ndarray  # uint8 [T, H, W, 3]
    metadata: VideoMetadata


def video_metadata(frames: np.ndarray, timestamps: list[float]) -> VideoMetadata:
    """The timing of our sampled frames as transformers' processors read it: each frame's time (SmolVLM and
    Qwen3-VL write it into the prompt), the duration (SmolVLM) and the rate they were sampled at (Qwen2.5-VL's
    temporal positions: `sampled_fps` = frames / total_num_frames · fps, so total_num_frames is the span the
    frames cover, in clock ticks)."""
    step = (timestamps[-1] - timestamps[0]) / (len(timestamps) - 1) if len(timestamps) > 1 else 1.0
    return VideoMetadata(
        total_num_frames=max(1, round(len(timestamps) * step * CLOCK)),
        fps=CLOCK,
        height=frames.shape[1],
        width=frames.shape[2],
        duration=timestamps[-1] + step,
        frames_indices=[round(t * CLOCK) for t in timestamps],
    )


def chat_with_video(messages: list[dict]) -> list[dict]:
    """{"role", "content": text} turns → the content-list form chat templates take, the video in the first user
    turn (where our own model's template puts it too)."""
    first_user = next(i for i, message in enumerate(messages) if message["role"] == "user")
    return [
        {"role": message["role"],
         "content": [{"type": "video"}] * (i == first_user) + [{"type": "text", "text": message["content"]}]}
        for i, message in enumerate(messages)
    ]


class HFVideoChat(ChatModel):
    def __init__(self, model, processor):
        super().__init__(model, processor)
        # The positions the video's features fill: the video token, or the image token of the models that show a
        # video as images (SmolVLM, InternVL); the markers around them (frame times, <img>) are text.
        self.visual_token_ids = torch.tensor(
            [i for i in (getattr(processor, "video_token_id", None), getattr(processor, "image_token_id", None))
             if i is not None]
        )

    @property
    def sampling(self) -> SamplingConfig:
        return DEFAULT_SAMPLING

    @property
    def identity(self) -> str:
        return self.model.config.name_or_path

    @property
    def head_owner(self):
        return self.model

    def encode(self, frames, timestamps: list[float]) -> SampledVideo:
        return SampledVideo(np.asarray(frames), video_metadata(frames, timestamps))

    def prompt(self, messages: list[dict], video: CachedVideo) -> ChatPrompt:
        text = self.processor.apply_chat_template(chat_with_video(messages), add_generation_prompt=True)
        inputs = self.processor(
            text=text,
            videos=[video.features.frames],
            video_metadata=[video.features.metadata],
            do_sample_frames=False,  # exactly our frames (Qwen3-VL's released configs would resample them)
            return_tensors="pt",
        )
        visual_tokens = int(torch.isin(inputs["input_ids"], self.visual_token_ids).sum())
        return ChatPrompt(dict(inputs.to(self.model.device, dtype=self.model.dtype)), visual_tokens)


__all__ = ["HFVideoChat", "SampledVideo", "video_metadata"]
