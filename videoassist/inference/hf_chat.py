"""transformers' own video LLMs (checkpoints/hf_video.py) behind VideoAssistant: our sampled frames and their
timestamps go to the model's processor as one video, in the model's own chat template.

The cache keeps the sampled frames with their timing and the vision tower's output for them, which `generate`
takes as `mm_encoder_outputs` (what transformers' generate computes itself from the pixels, done once per video):
a second question neither decodes the file nor runs the vision tower. The processor still formats each prompt
from the frames, since the number of placeholders it writes depends on them.
"""

from __future__ import annotations

import inspect
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
    encoded: dict  # modality ("video", or "image" for SmolVLM and InternVL) → the vision tower's output
    pixel_names: frozenset[str]  # the processor's pixel outputs `encoded` was made from: not given to generate


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

    @property
    def decoder(self):
        return self.model.get_decoder()

    def encode(self, frames, timestamps: list[float]) -> SampledVideo:
        """The frames through the processor and the vision tower, as generate would do it (its
        `_prepare_multimodal_encoder_kwargs_for_generation`): each modality's `get_<modality>_features` on the
        processor outputs its signature names. Generate then gets the other outputs (Qwen's grid for its M-RoPE
        positions) without the pixels."""
        frames = np.asarray(frames)
        metadata = video_metadata(frames, timestamps)
        inputs = self.processed([{"role": "user", "content": ""}], frames, metadata)
        encoded, pixel_names = {}, set()
        for modality in ("image", "video"):
            encoder = getattr(self.model.base_model, f"get_{modality}_features", None)
            if encoder is None or modality not in self.model.input_modalities:
                continue
            arguments = {name: inputs[name] for name in inspect.signature(encoder).parameters if name in inputs}
            pixels = {name for name in arguments if name.startswith("pixel_values")}
            if pixels:
                with torch.inference_mode():
                    encoded[modality] = encoder(**arguments, return_dict=True)
                pixel_names.update(pixels)
        return SampledVideo(frames, metadata, encoded, frozenset(pixel_names))

    def prompt(self, messages: list[dict], video: CachedVideo) -> ChatPrompt:
        sampled = video.features
        inputs = self.processed(messages, sampled.frames, sampled.metadata)
        visual_tokens = int(torch.isin(inputs["input_ids"], self.visual_token_ids).sum())
        inputs = {name: value for name, value in inputs.items() if name not in sampled.pixel_names}
        return ChatPrompt({**inputs, "mm_encoder_outputs": dict(sampled.encoded)}, visual_tokens)

    def processed(self, messages: list[dict], frames: np.ndarray, metadata: VideoMetadata) -> dict:
        """The chat, in the model's template, and the frames through the model's processor, on its device."""
        text = self.processor.apply_chat_template(chat_with_video(messages), add_generation_prompt=True)
        inputs = self.processor(
            text=text,
            videos=[frames],
            video_metadata=[metadata],
            do_sample_frames=False,  # exactly our frames (Qwen3-VL's released configs would resample them)
            return_tensors="pt",
        )
        return dict(inputs.to(self.model.device, dtype=self.model.dtype))


__all__ = ["HFVideoChat", "SampledVideo", "video_metadata"]
